//! `AppError` as the error of every server function: how it is encoded,
//! and what the framework's own failures (a body that does not decode, a
//! server that cannot be reached) become.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::model::error::AppError;

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = match value {
            // A body the server could not decode is bad input, not an outage.
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                AppError::invalid("body", msg)
            }
            // On the server, decoding only ever happens to the request.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(msg) => AppError::invalid("body", msg),
            other => AppError::Transport(other.to_string()),
        };
        // These errors arise before the function body runs, so the status
        // is set here; the request's ResponseOptions are already in context.
        #[cfg(feature = "ssr")]
        super::respond::set_status(&err);
        err
    }
}
