//! What to check for the errors a person can act on: said beside the error in the text and
//! HTML reports, where the AWS message alone does not say what is wrong on this side.

use crate::ErrorInfo;

/// What to check for `error`, when it is one whose usual causes are known.
pub fn what_to_check(error: &ErrorInfo) -> Option<&'static str> {
    match (error.operation.as_str(), error.code.as_deref()) {
        ("sts:AssumeRole", Some("AccessDenied")) => Some(
            "the audit role is not in this account yet (the StackSet has not reached it), does \
             not trust the caller, or expects another ExternalId",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::what_to_check;
    use crate::ErrorInfo;

    fn error(operation: &str, code: Option<&str>) -> ErrorInfo {
        ErrorInfo {
            operation: operation.into(),
            region: "us-east-1".into(),
            code: code.map(Into::into),
            message: "User is not authorized to perform: sts:AssumeRole".into(),
            request_id: None,
        }
    }

    #[test]
    fn assume_role_refused_names_the_role_the_trust_and_the_external_id() {
        let advice = what_to_check(&error("sts:AssumeRole", Some("AccessDenied")));
        assert!(advice.is_some_and(|a| a.contains("ExternalId") && a.contains("StackSet")));
        assert_eq!(
            what_to_check(&error("sts:AssumeRole", Some("Throttling"))),
            None
        );
        assert_eq!(
            what_to_check(&error("iam:ListUsers", Some("AccessDenied"))),
            None
        );
    }
}
