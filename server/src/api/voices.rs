//! The voices offered to agents: a fixed catalogue shipped with the app.

use serde_json::{Value, json};

/// (voice_id, voice_name, provider, gender, accent, age)
const CATALOGUE: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "11labs-Adrian",
        "Adrian",
        "elevenlabs",
        "male",
        "American",
        "Young",
    ),
    (
        "11labs-Amy",
        "Amy",
        "elevenlabs",
        "female",
        "British",
        "Young",
    ),
    (
        "openai-Alloy",
        "Alloy",
        "openai",
        "female",
        "American",
        "Middle Aged",
    ),
    ("openai-Echo", "Echo", "openai", "male", "American", "Young"),
    (
        "cartesia-Cleo",
        "Cleo",
        "cartesia",
        "female",
        "American",
        "Young",
    ),
    (
        "cartesia-Marcus",
        "Marcus",
        "cartesia",
        "male",
        "Australian",
        "Middle Aged",
    ),
];

fn to_json(v: &(&str, &str, &str, &str, &str, &str)) -> Value {
    json!({
        "voice_id": v.0,
        "voice_name": v.1,
        "provider": v.2,
        "gender": v.3,
        "accent": v.4,
        "age": v.5,
    })
}

pub fn all() -> Vec<Value> {
    CATALOGUE.iter().map(to_json).collect()
}

pub fn find(voice_id: &str) -> Option<Value> {
    CATALOGUE.iter().find(|v| v.0 == voice_id).map(to_json)
}
