//! How SDK errors are classified and said: class, code, request id, context, once.
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

#[test]
fn error_class_labels_are_stable_and_parse_back() {
    use strum::IntoEnumIterator;
    let labels: Vec<&str> = ErrorClass::iter().map(<&str>::from).collect();
    let expected = "throttled access_denied expired_token not_found transient timeout \
                    malformed other";
    assert_eq!(labels.join(" "), expected);
    for class in ErrorClass::iter() {
        assert_eq!(<&str>::from(class).parse(), Ok(class));
    }
    for unknown in ["", "Throttled", "access denied", "throttled "] {
        assert!(unknown.parse::<ErrorClass>().is_err(), "{unknown:?}");
    }
}

#[test]
fn an_expired_session_is_its_own_class() {
    assert_eq!(
        ErrorClass::from_code("ExpiredToken"),
        ErrorClass::ExpiredToken
    );
    assert_ne!(
        ErrorClass::from_code("ExpiredToken"),
        ErrorClass::AccessDenied
    );
}

fn response(status: u16, body: &str, request_id: Option<&str>) -> HttpResponse {
    let mut response = HttpResponse::new(
        status.try_into().expect("a valid status"),
        aws_smithy_types::body::SdkBody::from(body),
    );
    if let Some(id) = request_id {
        response
            .headers_mut()
            .insert("x-amzn-RequestId", id.to_string());
    }
    response
}

fn service_error(code: Option<&str>, status: u16, request_id: Option<&str>) -> CollectError {
    use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryError;
    use aws_smithy_types::error::ErrorMetadata;
    let mut meta = ErrorMetadata::builder();
    if let Some(code) = code {
        meta = meta.code(code);
    }
    let error = GetAccountSummaryError::generic(meta.build());
    CollectError::from_sdk(
        "111122223333",
        "us-east-1",
        "iam:GetAccountSummary",
        SdkError::service_error(
            error,
            response(status, "<html>502 Bad Gateway</html>", request_id),
        ),
    )
}

#[test]
fn a_5xx_without_an_aws_code_is_transient() {
    for status in [500, 502, 503, 504] {
        let error = service_error(None, status, None);
        assert_eq!(error.class, ErrorClass::Transient, "HTTP {status}");
        assert!(error.class.is_retryable());
        assert_eq!(
            error.aws_code.as_deref(),
            Some(format!("HTTP{status}").as_str())
        );
        assert!(
            error.message.contains("without an AWS error code"),
            "{error}"
        );
    }
    assert_eq!(service_error(None, 429, None).class, ErrorClass::Throttled);
    assert_eq!(service_error(None, 400, None).class, ErrorClass::Other);
    // A code the project does not know, on a 503: the status decides.
    assert_eq!(
        service_error(Some("SlowDown"), 503, None).class,
        ErrorClass::Transient
    );
    // A known code wins over the status.
    assert_eq!(
        service_error(Some("AccessDenied"), 500, None).class,
        ErrorClass::AccessDenied
    );
}

#[test]
fn the_request_id_is_kept_from_the_headers() {
    let error = service_error(Some("AccessDenied"), 403, Some("0f1e-req"));
    assert_eq!(error.request_id.as_deref(), Some("0f1e-req"));
    assert!(error.to_string().contains("request id 0f1e-req"), "{error}");
    assert_eq!(
        error.to_data_error().request_id.as_deref(),
        Some("0f1e-req")
    );
}
