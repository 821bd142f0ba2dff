//! AWS errors, classified once from the SDK's error metadata.

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use mfa_evaluator::DataError;
use std::error::Error as StdError;
use std::fmt;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What kind of failure a call met; decides what the caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Throttled,
    AccessDenied,
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
            | "InvalidClientTokenId"
            | "ExpiredToken" => ErrorClass::AccessDenied,
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
}

impl ErrorClass {
    /// A stable snake_case name, for metric labels.
    pub fn label(self) -> &'static str {
        match self {
            ErrorClass::Throttled => "throttled",
            ErrorClass::AccessDenied => "access_denied",
            ErrorClass::NotFound => "not_found",
            ErrorClass::Transient => "transient",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Malformed => "malformed",
            ErrorClass::Other => "other",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorClass::Throttled => "throttled",
            ErrorClass::AccessDenied => "access denied",
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
#[error("{operation} in account {account_id} ({region}) {class}{}: {message}", code_suffix(.aws_code))]
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

impl CollectError {
    /// Classifies an SDK error from its metadata.
    pub fn from_sdk<E, R>(
        account_id: &str,
        region: &str,
        operation: &'static str,
        error: SdkError<E, R>,
    ) -> CollectError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let (class, code, message, request_id) = match &error {
            SdkError::ServiceError(service) => {
                let err = service.err();
                let meta = err.meta();
                let code = meta.code().map(str::to_string);
                let class = code
                    .as_deref()
                    .map(ErrorClass::from_code)
                    .unwrap_or(ErrorClass::Other);
                let message = meta
                    .message()
                    .map(str::to_string)
                    .unwrap_or_else(|| err.to_string());
                let request_id = meta.extra("aws_request_id").map(str::to_string);
                (class, code, message, request_id)
            }
            SdkError::TimeoutError(_) => (
                ErrorClass::Timeout,
                Some("Timeout".to_string()),
                "the call did not complete within its timeout".to_string(),
                None,
            ),
            SdkError::DispatchFailure(failure) => {
                let class = if failure.is_timeout() {
                    ErrorClass::Timeout
                } else {
                    ErrorClass::Transient
                };
                let code = if failure.is_timeout() {
                    "Timeout"
                } else {
                    "ConnectionFailure"
                };
                (class, Some(code.to_string()), describe_chain(&error), None)
            }
            SdkError::ResponseError(_) => (
                ErrorClass::Malformed,
                Some("MalformedResponse".to_string()),
                describe_chain(&error),
                None,
            ),
            _ => (ErrorClass::Other, None, describe_chain(&error), None),
        };
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
        }
    }
}

/// The whole chain of an error's messages, for errors that carry no AWS message of their own.
fn describe_chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_codes_of_every_service_are_throttled() {
        for code in [
            "Throttling",
            "ThrottlingException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "LimitExceeded",
        ] {
            assert_eq!(ErrorClass::from_code(code), ErrorClass::Throttled, "{code}");
            assert!(ErrorClass::from_code(code).is_retryable());
        }
        assert!(!ErrorClass::from_code("AccessDenied").is_retryable());
        assert!(!ErrorClass::from_code("ValidationError").is_retryable());
    }
}
