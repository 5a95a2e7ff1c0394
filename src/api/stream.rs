//! Lists too long to hold (CSV exports, the dialects' unpaged lists): the body is written page
//! by page, each page read on the blocking pool when the client has taken the one before, so
//! the server's memory does not grow with the number of users listed.
//!
//! The first page is read before the answer starts, so that a refusal (no such site, not
//! yours) is still a status code. A failure after that can only cut the body short; it is
//! logged. Pages are keyset pages in email order, each its own read: a user changed during a
//! long export shows as they were when their page was read.

use crate::error::Error;
use crate::ops::Env;
use crate::state::AppState;
use actix_web::web::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use rusqlite::Connection;
use std::sync::Arc;

/// How the rows are framed: what comes before them, between them and after them.
pub struct Frame {
    pub head: Vec<u8>,
    pub separator: &'static [u8],
    pub tail: Vec<u8>,
}

impl Frame {
    /// A JSON array, `[row,row]`, inside `before` and `after`.
    pub fn json_array(before: &str, after: &str) -> Frame {
        Frame {
            head: format!("{before}[").into_bytes(),
            separator: b",",
            tail: format!("]{after}").into_bytes(),
        }
    }

    /// CSV: a header row, then rows that end their own lines.
    pub fn csv(header: String) -> Frame {
        Frame {
            head: header.into_bytes(),
            separator: b"",
            tail: Vec::new(),
        }
    }
}

/// One page's rendered rows and the cursor of the page after it.
pub type Page = (Vec<Vec<u8>>, Option<String>);

/// Reads the page after a cursor (None: the first) and renders its rows.
pub trait ReadPage:
    Fn(&mut Connection, &Env, Option<String>) -> Result<Page, Error> + Send + Sync + 'static
{
}

impl<F> ReadPage for F where
    F: Fn(&mut Connection, &Env, Option<String>) -> Result<Page, Error> + Send + Sync + 'static
{
}

/// The framed rows of every page, read one page at a time.
pub async fn pages<F: ReadPage>(
    state: &AppState,
    frame: Frame,
    read: F,
) -> Result<impl Stream<Item = Result<Bytes, Error>>, Error> {
    let read = Arc::new(read);
    let (rows, next) = read_page(state, &read, None).await?;
    let mut first = frame.head;
    let any = join(&mut first, rows, frame.separator, false);
    let rest = stream::unfold(
        (state.clone(), read, next, any),
        move |(state, read, cursor, any)| async move {
            let cursor = cursor?;
            match read_page(&state, &read, Some(cursor)).await {
                Ok((rows, next)) => {
                    let mut chunk = Vec::new();
                    let any = join(&mut chunk, rows, frame.separator, any);
                    Some((Ok(Bytes::from(chunk)), (state, read, next, any)))
                }
                Err(e) => Some((Err(e), (state, read, None, any))),
            }
        },
    );
    let tail = Bytes::from(frame.tail);
    Ok(stream::once(async move { Ok(Bytes::from(first)) })
        .chain(rest)
        .chain(stream::once(async move { Ok(tail) })))
}

async fn read_page<F: ReadPage>(
    state: &AppState,
    read: &Arc<F>,
    cursor: Option<String>,
) -> Result<Page, Error> {
    let read = read.clone();
    state.run(move |conn, env| read(conn, env, cursor)).await
}

/// Appends `rows` to `out` with `separator` between them (and before the first, when rows were
/// written already); returns whether any row has been written.
fn join(out: &mut Vec<u8>, rows: Vec<Vec<u8>>, separator: &[u8], mut any: bool) -> bool {
    for row in rows {
        if any {
            out.extend_from_slice(separator);
        }
        out.extend_from_slice(&row);
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_are_separated_across_pages_and_not_before_the_first() {
        let mut out = Vec::new();
        let any = super::join(&mut out, vec![], b",", false);
        let any = super::join(&mut out, vec![b"1".to_vec(), b"2".to_vec()], b",", any);
        super::join(&mut out, vec![b"3".to_vec()], b",", any);
        assert_eq!(out, b"1,2,3");
    }
}
