//! The audit log as CSV (RFC 4180), for **Download CSV**.

use crate::model::audit::AuditEntry;

/// The header row.
pub const HEADER: &str = "Time (UTC),Who,What,Key,Details,Client address\r\n";

/// One entry as a CSV row, CRLF-terminated.
pub fn row(entry: &AuditEntry) -> String {
    let cells = [
        entry.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        entry.who.clone(),
        entry.action.label().to_owned(),
        entry.key_name.clone().unwrap_or_default(),
        entry.detail.clone(),
        entry.client_address.clone().unwrap_or_default(),
    ];
    let mut line = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// A cell, quoted when it must be. Text a spreadsheet would run as a
/// formula (a key name like `=HYPERLINK(…)`) is prefixed with `'`, so that
/// opening the export cannot run what someone typed into a name.
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::audit::AuditAction;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let entry = AuditEntry {
            id: 1,
            at: chrono::DateTime::parse_from_rfc3339("2026-11-28T01:02:03Z")
                .unwrap()
                .to_utc(),
            who: "owner@a.example".into(),
            action: AuditAction::KeyRenamed,
            key_name: Some("=HYPERLINK(\"http://evil\")".into()),
            detail: "“a, b” → “c\nd”".into(),
            client_address: Some("203.0.113.9".into()),
        };
        assert_eq!(
            row(&entry),
            "2026-11-28T01:02:03Z,owner@a.example,Key renamed,\"'=HYPERLINK(\"\"http://evil\"\")\",\"“a, b” → “c\nd”\",203.0.113.9\r\n"
        );
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("plain"), "plain");
    }
}
