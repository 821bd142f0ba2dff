//! The one pagination loop, for every list call.
//!
//! Each page is its own call through [`crate::Caller`] (so every page waits for the rate
//! limiters). A list that cannot be read whole is an error, never a silently short list: a page
//! that says it is truncated but gives no marker, and a token that comes back a second time (a
//! loop), are malformed answers.

use crate::error::CollectError;
use std::collections::HashSet;
use std::future::Future;

/// One page of a list call, as the loop needs it.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    /// `NextToken` or `Marker`.
    pub next: Option<String>,
    /// IAM's `IsTruncated`; `None` for services that end a list by omitting the token.
    pub truncated: Option<bool>,
}

/// Far beyond any real list (IAM's 1,000 items a page; Organizations' 20): a bound against an
/// endless run of new tokens, which the repeated-token check cannot see.
const MAX_PAGES: usize = 10_000;

/// Where a list is read from, to name it in errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListCall<'a> {
    pub account_id: &'a str,
    pub region: &'a str,
    pub operation: &'static str,
}

impl ListCall<'_> {
    pub fn malformed(&self, message: impl Into<String>) -> CollectError {
        CollectError::malformed(self.account_id, self.region, self.operation, message)
    }

    /// A page's list, which the service always sends (empty when there is nothing): a page
    /// without it is malformed, never an empty page.
    // CollectError carries its whole context (account, region, operation, code, request id) by
    // design; it is the crate's one error, built once per bad page.
    #[allow(clippy::result_large_err)]
    pub fn items<T>(&self, items: Option<Vec<T>>, field: &str) -> Result<Vec<T>, CollectError> {
        items.ok_or_else(|| self.malformed(format!("a page without {field}")))
    }
}

/// Calls `fetch` with each page's token (`None` first) until the list ends.
pub(crate) async fn paginate<T, F, Fut>(
    call: ListCall<'_>,
    mut fetch: F,
) -> Result<Vec<T>, CollectError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, CollectError>>,
{
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut token: Option<String> = None;
    for page_number in 1..=MAX_PAGES {
        let page = fetch(token.take()).await?;
        items.extend(page.items);
        // An empty token ends a list as an absent one does.
        let next = page.next.filter(|t| !t.is_empty());
        match (page.truncated, next) {
            (Some(false), _) | (None, None) => return Ok(items),
            (Some(true), None) => {
                return Err(call.malformed(format!(
                    "page {page_number} says IsTruncated but gives no Marker: the rest of the \
                     list cannot be read"
                )))
            }
            (_, Some(next)) => {
                if !seen.insert(next.clone()) {
                    return Err(call.malformed(format!(
                        "page {page_number} gives a pagination token already seen: the list \
                         would never end"
                    )));
                }
                token = Some(next);
            }
        }
    }
    Err(call.malformed(format!("more than {MAX_PAGES} pages")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorClass;

    const CALL: ListCall<'static> = ListCall {
        account_id: "111122223333",
        region: "us-east-1",
        operation: "iam:ListVirtualMFADevices",
    };

    /// Serves `pages` in order, recording the token each request carried.
    async fn read(pages: Vec<Page<u32>>) -> (Result<Vec<u32>, CollectError>, Vec<Option<String>>) {
        let mut pages = pages.into_iter();
        let mut asked = Vec::new();
        let result = paginate(CALL, |token| {
            asked.push(token);
            let page = pages.next().expect("no more pages than given");
            async move { Ok(page) }
        })
        .await;
        (result, asked)
    }

    fn page(items: &[u32], next: Option<&str>, truncated: Option<bool>) -> Page<u32> {
        Page {
            items: items.to_vec(),
            next: next.map(str::to_string),
            truncated,
        }
    }

    #[tokio::test]
    async fn every_page_is_read_with_the_token_of_the_one_before() {
        let (result, asked) = read(vec![
            page(&[1, 2], Some("a"), None),
            page(&[3], Some("b"), None),
            page(&[4], None, None),
        ])
        .await;
        assert_eq!(result.expect("whole list"), vec![1, 2, 3, 4]);
        assert_eq!(asked, vec![None, Some("a".into()), Some("b".into())]);
    }

    #[tokio::test]
    async fn iam_ends_on_is_truncated_false_whatever_the_marker() {
        let (result, asked) = read(vec![
            page(&[1], Some("m1"), Some(true)),
            page(&[2], Some("stale"), Some(false)),
        ])
        .await;
        assert_eq!(result.expect("whole list"), vec![1, 2]);
        assert_eq!(asked.len(), 2);
    }

    #[tokio::test]
    async fn truncated_without_a_marker_is_malformed() {
        let (result, _) = read(vec![page(&[1], None, Some(true))]).await;
        let error = result.expect_err("a short list is never returned");
        assert_eq!(error.class, ErrorClass::Malformed);
        assert_eq!(error.operation, "iam:ListVirtualMFADevices");
        assert!(error.message.contains("IsTruncated"), "{error}");
    }

    #[tokio::test]
    async fn a_repeated_token_is_malformed() {
        let (result, asked) = read(vec![
            page(&[1], Some("a"), None),
            page(&[2], Some("b"), None),
            page(&[3], Some("a"), None),
        ])
        .await;
        let error = result.expect_err("a loop is never followed");
        assert_eq!(error.class, ErrorClass::Malformed);
        assert!(error.message.contains("already seen"), "{error}");
        assert_eq!(asked.len(), 3);
    }

    #[tokio::test]
    async fn an_empty_token_ends_the_list() {
        let (result, _) = read(vec![page(&[1], Some(""), None)]).await;
        assert_eq!(result.expect("whole list"), vec![1]);
    }
}
