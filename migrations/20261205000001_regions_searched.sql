-- The regions whose user pools were searched in each assessed account. With
-- `[audit] regions = ["*"]` each account is searched in the regions enabled in it (opt-in regions
-- differ from account to account), so the sweep's configured list no longer says it. NULL: none
-- was searched (the account was not assessed, or its enabled regions could not be read), and for
-- sweeps recorded before this column, where the sweep's `regions` say it.
ALTER TABLE sweep_accounts ADD COLUMN regions text[];

-- Where IAM, STS and Organizations were called (`[aws] region`): with `regions = ["*"]` the
-- region AWS Security Hub findings are imported into (ASFF's ProductArn). NULL for sweeps
-- recorded before this column.
ALTER TABLE sweeps ADD COLUMN home_region text;
