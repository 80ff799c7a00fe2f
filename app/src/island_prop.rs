//! `JsonText<T>`: an island prop carried as JSON text.
//!
//! Leptos decodes an island's props with `serde_json::from_str`, and server
//! function answers with `serde_json::from_slice`. The two readers are
//! different types, so a value that arrives both ways (the key list: as
//! the API Keys island's prop, and in every refresh) would have all of its
//! decoding compiled into the WASM bundle twice. Carried as a string, the
//! prop's own decoding is a string's; the value inside goes through the
//! same `from_slice` as the answers.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Debug, PartialEq)]
pub struct JsonText<T>(pub T);

impl<T: Serialize> Serialize for JsonText<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.0).map_err(S::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for JsonText<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_slice(text.as_bytes())
            .map(JsonText)
            .map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Props {
        keys: JsonText<Vec<(u32, String)>>,
    }

    #[test]
    fn travels_as_a_json_string_and_comes_back_whole() {
        let props = Props {
            keys: JsonText(vec![(1, "a \"quoted\" name".to_owned())]),
        };
        let text = serde_json::to_string(&props).unwrap();
        assert_eq!(text, r#"{"keys":"[[1,\"a \\\"quoted\\\" name\"]]"}"#);
        assert_eq!(serde_json::from_str::<Props>(&text).unwrap(), props);
    }

    #[test]
    fn text_that_is_not_the_value_is_refused() {
        let err = serde_json::from_str::<Props>(r#"{"keys":"[[1]]"}"#).unwrap_err();
        assert!(err.to_string().contains("invalid length"), "{err}");
    }
}
