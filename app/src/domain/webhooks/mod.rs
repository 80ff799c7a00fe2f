//! Webhook settings and deliveries as stored: queuing them and what the
//! page shows (`deliveries`), claiming and recording sends (`sending`),
//! their retention, and the budget for sends a person asks for.

pub mod deliveries;
pub mod retention;
pub mod send_budget;
pub mod sending;
