pub mod auth;
pub mod form_post;
pub mod join;
pub mod not_found;
pub mod settings;
