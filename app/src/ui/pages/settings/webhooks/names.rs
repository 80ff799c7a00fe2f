//! The names the Webhooks page's markup and its island share: the URL's
//! field, the ids of the places the island fills, and what a button does.
//! The markup tests (`mod.rs`) check that the views carry each of them.

/// The URL's field: its name in the form (as `SaveWebhookUrl` reads it)
/// and in the server's errors.
pub const URL_FIELD: &str = "url";

/// Places the island fills in.
pub mod ids {
    /// Which key signs deliveries (refreshed with the log).
    pub const KEY_STATUS: &str = "webhook-key-status";
    /// The delivery log (refreshed every few seconds).
    pub const DELIVERIES: &str = "webhook-deliveries";
    /// The status line: what the last change did.
    pub const STATUS: &str = "webhook-status";
    /// The error of a test event or a resend.
    pub const ERROR: &str = "webhook-error";
}

/// A delivery's **Resend** button: the delivery it sends again.
pub const DELIVERY_ATTR: &str = "data-delivery";

/// What a button does, as its `data-action` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookAction {
    /// **Send test event**.
    Test,
    /// A delivery's **Resend**.
    Resend,
}

impl WebhookAction {
    pub const ALL: [WebhookAction; 2] = [Self::Test, Self::Resend];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Resend => "resend",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }
}
