pub mod auth;
pub mod not_found;
pub mod settings;
