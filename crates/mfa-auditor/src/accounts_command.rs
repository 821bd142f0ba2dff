//! `mfa-auditor accounts`: what a sweep would audit, from AWS Organizations alone: every account
//! with its OU path and the plan's decision, names escaped for the terminal.

use crate::aws;
use crate::config::AuditConfig;
use crate::stdout::out;
use anyhow::{Context, Result};
use mfa_collector::{Caller, OrganizationReader};
use mfa_report::terminal::Escaped;
use mfa_sweep::Decision;

pub(crate) async fn run(config: &AuditConfig) -> Result<u8> {
    let sdk = aws::sdk(config).await?;
    let organization = OrganizationReader::new(&sdk, Caller::new(config.limits.clone()))
        .read()
        .await
        .with_context(|| format!("cannot read the organization from {}", aws::target(config)))?;
    let plan = mfa_sweep::plan(organization, &config.scope);
    let mut text = format!(
        "Organization {} (management account {})\n{:<12}  {:<28} {:<36} decision\n",
        Escaped(&plan.organization_id),
        Escaped(&plan.management_account_id),
        "account",
        "name",
        "ou path"
    );
    for planned in &plan.accounts {
        let decision = match &planned.decision {
            Decision::Audit => "included".to_string(),
            // The rule names the OU that decided it.
            Decision::Skip { reason, rule } => {
                format!("{} ({})", reason.as_str(), Escaped(rule))
            }
            Decision::Invalid { error } => format!("error ({})", Escaped(&error.to_string())),
        };
        text += &format!(
            "{:<12}  {:<28} {:<36} {decision}\n",
            Escaped(&planned.account.id),
            Escaped(planned.account.name_or_empty()),
            Escaped(&planned.account.ou_path())
        );
    }
    text += &format!(
        "{} accounts: {} included, {} not\n",
        plan.accounts.len(),
        plan.audited().count(),
        plan.accounts.len() - plan.audited().count()
    );
    out(&text)?;
    Ok(0)
}
