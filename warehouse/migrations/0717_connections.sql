-- The connection store (warehouse.connections): settings in clear, secrets as one Fernet token per connection.
CREATE TABLE IF NOT EXISTS connections (
    source_system       TEXT NOT NULL,             -- a declared source system
    instance            TEXT NOT NULL,             -- the operator's name for one instance of that system
    settings            {json} NOT NULL,           -- base_url, client_id, ...: nothing secret
    secret_token        TEXT NOT NULL,             -- Fernet token of the JSON of the secrets
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (source_system, instance)
);
