-- Centralized root access (IAM ListOrganizationsFeatures), as the sweep read it when it began:
-- NULL for sweeps recorded before it was read. `root_access_error` is the error (operation,
-- region, code, message, request id) when it could not be read.
ALTER TABLE sweeps
    ADD COLUMN root_trusted_access         boolean,
    ADD COLUMN root_credentials_management boolean,
    ADD COLUMN root_sessions               boolean,
    ADD COLUMN root_access_error           jsonb;
