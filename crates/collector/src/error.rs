//! AWS errors, classified once from the SDK's error metadata.

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use mfa_evaluator::DataError;
use std::error::Error as StdError;
use std::fmt;
use strum::{EnumIter, EnumString, IntoStaticStr};

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What kind of failure a call met; decides what the caller can do about it. Its string
/// (`IntoStaticStr`, `FromStr`) is a stable snake_case name for metric labels; `Display` is the
/// phrase error messages say, so it is written out below rather than derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum ErrorClass {
    Throttled,
    AccessDenied,
    /// The session's credentials expired: the call was made too late, not refused.
    ExpiredToken,
    NotFound,
    /// 5xx, connection failures: worth another try later.
    Transient,
    Timeout,
    /// The response could not be understood.
    Malformed,
    Other,
}

impl ErrorClass {
    /// The classes a later attempt may cure.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::Throttled | ErrorClass::Transient | ErrorClass::Timeout
        )
    }

    fn from_code(code: &str) -> ErrorClass {
        match code {
            "Throttling"
            | "ThrottlingException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "LimitExceeded"
            | "LimitExceededException" => ErrorClass::Throttled,
            "AccessDenied"
            | "AccessDeniedException"
            | "NotAuthorizedException"
            | "UnauthorizedOperation"
            | "InvalidClientTokenId" => ErrorClass::AccessDenied,
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => ErrorClass::ExpiredToken,
            "NoSuchEntity"
            | "ResourceNotFoundException"
            | "AccountNotFoundException"
            | "ParentNotFoundException" => ErrorClass::NotFound,
            "InternalFailure"
            | "InternalErrorException"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
            | "ServiceFailure"
            | "ServiceException" => ErrorClass::Transient,
            _ => ErrorClass::Other,
        }
    }

    /// From the error code, and from the HTTP status when the code says nothing: a proxy or
    /// load balancer answers 502, 503 or 504 with an HTML page and no AWS code, and that is as
    /// transient as AWS's own `ServiceUnavailable`.
    fn from_code_and_status(code: Option<&str>, status: u16) -> ErrorClass {
        match code.map(ErrorClass::from_code) {
            Some(class) if class != ErrorClass::Other => class,
            _ if status == 429 => ErrorClass::Throttled,
            _ if (500..600).contains(&status) => ErrorClass::Transient,
            _ => ErrorClass::Other,
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorClass::Throttled => "throttled",
            ErrorClass::AccessDenied => "access denied",
            ErrorClass::ExpiredToken => "refused: the session had expired",
            ErrorClass::NotFound => "not found",
            ErrorClass::Transient => "transient failure",
            ErrorClass::Timeout => "timed out",
            ErrorClass::Malformed => "malformed response",
            ErrorClass::Other => "failed",
        })
    }
}

/// A failed AWS call, with everything a reader needs to act on it.
#[derive(Debug, thiserror::Error)]
#[error("{operation} in account {account_id} ({region}) {class}{}{}: {message}", code_suffix(.aws_code), request_suffix(.request_id))]
pub struct CollectError {
    pub account_id: String,
    pub region: String,
    /// `service:Operation`, e.g. `sts:AssumeRole`.
    pub operation: &'static str,
    pub class: ErrorClass,
    pub aws_code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
    #[source]
    pub source: Option<BoxError>,
}

fn code_suffix(code: &Option<String>) -> String {
    code.as_ref().map(|c| format!(" [{c}]")).unwrap_or_default()
}

fn request_suffix(request_id: &Option<String>) -> String {
    request_id
        .as_ref()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

/// The request id AWS put in the response headers, for the errors whose metadata lacks it.
fn request_id_of(response: &HttpResponse) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id", "x-amzn-request-id"]
        .iter()
        .find_map(|name| response.headers().get(*name))
        .map(str::to_string)
}

/// What an SDK error says, in a [`CollectError`]'s terms.
struct Classified {
    class: ErrorClass,
    code: Option<String>,
    message: String,
    request_id: Option<String>,
}

fn classify<E>(error: &SdkError<E, HttpResponse>) -> Classified
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match error {
        SdkError::ServiceError(service) => classify_service_error(service.err(), service.raw()),
        SdkError::TimeoutError(_) => Classified {
            class: ErrorClass::Timeout,
            code: Some("Timeout".to_string()),
            message: "the call did not complete within its timeout".to_string(),
            request_id: None,
        },
        SdkError::DispatchFailure(failure) => {
            let (class, code) = if failure.is_timeout() {
                (ErrorClass::Timeout, "Timeout")
            } else {
                (ErrorClass::Transient, "ConnectionFailure")
            };
            Classified {
                class,
                code: Some(code.to_string()),
                message: describe_chain(error),
                request_id: None,
            }
        }
        SdkError::ResponseError(response) => {
            let status = response.raw().status().as_u16();
            // A body that could not be read at all: a 5xx is still worth another try.
            let class = if (500..600).contains(&status) {
                ErrorClass::Transient
            } else {
                ErrorClass::Malformed
            };
            Classified {
                class,
                code: Some("MalformedResponse".to_string()),
                message: format!("HTTP {status}: {}", describe_chain(error)),
                request_id: request_id_of(response.raw()),
            }
        }
        _ => Classified {
            class: ErrorClass::Other,
            code: None,
            message: describe_chain(error),
            request_id: None,
        },
    }
}

/// An error AWS (or something answering in its place) sent back: by its code, or by the HTTP
/// status where it has none.
fn classify_service_error<E>(err: &E, raw: &HttpResponse) -> Classified
where
    E: ProvideErrorMetadata + StdError,
{
    let meta = err.meta();
    let status = raw.status().as_u16();
    let class = ErrorClass::from_code_and_status(meta.code(), status);
    let code = match meta.code() {
        Some(code) => Some(code.to_string()),
        // No AWS code: the status is all there is to go by.
        None => Some(format!("HTTP{status}")),
    };
    let message = match meta.message() {
        Some(message) => message.to_string(),
        None if meta.code().is_none() => format!(
            "HTTP {status} without an AWS error code (an answer from a proxy or load \
             balancer rather than AWS?)"
        ),
        None => err.to_string(),
    };
    let request_id = meta
        .extra("aws_request_id")
        .map(str::to_string)
        .or_else(|| request_id_of(raw));
    Classified {
        class,
        code,
        message,
        request_id,
    }
}

impl CollectError {
    /// Classifies an SDK error from its metadata, and from the HTTP status where the metadata
    /// is silent. The request id comes from the metadata or the response headers.
    pub fn from_sdk<E>(
        account_id: &str,
        region: &str,
        operation: &'static str,
        error: SdkError<E, HttpResponse>,
    ) -> CollectError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let Classified {
            class,
            code,
            message,
            request_id,
        } = classify(&error);
        CollectError {
            account_id: account_id.to_string(),
            region: region.to_string(),
            operation,
            class,
            aws_code: code,
            message,
            request_id,
            source: Some(Box::new(error)),
        }
    }

    /// A failure found in a response that AWS accepted.
    pub fn malformed(
        account_id: &str,
        region: &str,
        operation: &'static str,
        message: impl Into<String>,
    ) -> CollectError {
        CollectError {
            account_id: account_id.to_string(),
            region: region.to_string(),
            operation,
            class: ErrorClass::Malformed,
            aws_code: Some("MalformedResponse".to_string()),
            message: message.into(),
            request_id: None,
            source: None,
        }
    }

    /// Notes how many attempts were made, when there were retries.
    pub fn after_attempts(mut self, attempts: u32) -> CollectError {
        if attempts > 1 {
            self.message = format!("{} (after {attempts} attempts)", self.message);
        }
        self
    }

    /// The plain form the evaluator and the store keep.
    pub fn to_data_error(&self) -> DataError {
        DataError {
            operation: self.operation.to_string(),
            region: self.region.clone(),
            code: self.aws_code.clone(),
            message: self.message.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// The whole chain of an error's messages, for errors that carry no AWS message of their own.
fn describe_chain(error: &dyn StdError) -> String {
    said_once(error)
}

/// An error and its causes joined by `: `, a cause whose text is already there left out: the
/// SDK's errors often repeat their source's message in their own.
pub(crate) fn said_once(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !said.trim().is_empty() && !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
