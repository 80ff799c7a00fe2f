//! Webhook settings and deliveries as stored: queuing them and what the
//! page shows (`deliveries`), claiming and recording sends (`sending`),
//! their retention, and the budget for sends a person asks for. Nothing
//! here makes a request: the server's delivery worker (`server::webhooks`)
//! sends what `sending` claims for it.

pub mod deliveries;
pub mod retention;
pub mod send_budget;
pub mod sending;
