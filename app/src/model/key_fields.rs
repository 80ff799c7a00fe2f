//! The key form's field names: what the form sends and what a refusal
//! names, so that its message goes beside the right field. The form's
//! markup and its island use these too (`ui::…::api_keys::names::fields`).

pub const NAME: &str = "name";
pub const RESTRICTED: &str = "restricted";
pub const EXPIRES: &str = "expires";
pub const EXPIRY_DATE: &str = "expiry_date";
pub const GRACE: &str = "grace";
pub const ALLOWED_IPS: &str = "allowed_ips";
pub const REQUESTS_PER_MINUTE: &str = "requests_per_minute";
