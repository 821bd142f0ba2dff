-- AWS retired Account.Status on 2026-09-09 in favour of Account.State, which has more values:
-- an account is skipped as `suspended`, `pending_closure`, `closed` or `pending_activation`
-- (its state, in lower case), or `excluded` by the configuration.
ALTER TABLE sweep_accounts DROP CONSTRAINT sweep_accounts_skip_reason_check;
ALTER TABLE sweep_accounts ADD CONSTRAINT sweep_accounts_skip_reason_check
    CHECK (skip_reason IN ('suspended', 'excluded', 'pending_closure', 'closed',
                           'pending_activation'));
