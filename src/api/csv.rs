//! CSV output: every cell quoted (RFC 4180), and cells that a spreadsheet would run as a
//! formula are prefixed with `'` (OWASP's advice on CSV injection).
//!
//! Quoting every cell matters beyond commas: a spreadsheet that splits on `;` (Excel in many
//! European locales) would otherwise read `a;=1+1` as two cells, the second a formula.

/// One cell, always quoted, and defused when it starts like a formula.
pub fn cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// One record, cells separated by commas and ended with CRLF as RFC 4180 says.
pub fn row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "\"plain\"");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("a;=1+1"), "\"a;=1+1\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=1+1"), "\"'=1+1\"");
        assert_eq!(cell("-2,3"), "\"'-2,3\"");
        assert_eq!(cell("\tx"), "\"'\tx\"");
        assert_eq!(row(&["a", "@x"]), "\"a\",\"'@x\"\r\n");
    }
}
