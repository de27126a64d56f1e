//! Organisations, users, login sessions, API tokens and failed-login records.

use crate::audit::{append, NewAuditEntry};
use crate::{on_pool, on_tx, Result, Store, StoreError, Tx};
use rampart_core::{CountryCode, Invalid, OrgId, OrgKind, Organisation, Principal, Role, Username};

/// A user as stored. The hash is an argon2id PHC string; the store never sees a password.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub username: Username,
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: OrgId,
    pub disabled: bool,
    pub created_at: i64,
}

pub struct NewUser<'a> {
    pub username: &'a Username,
    pub password_hash: &'a str,
    pub role: Role,
    pub organisation_id: &'a OrgId,
}

type UserRow = (String, String, String, String, bool, i64);
const USER_COLUMNS: &str = "username, password_hash, role, organisation_id, disabled, created_at";

fn bad_row(what: &str, e: Invalid) -> StoreError {
    StoreError::Invalid(Invalid::one("", format!("stored {what} does not parse: {e}")))
}

fn user_from_row((username, password_hash, role, org, disabled, created_at): UserRow) -> Result<UserRecord> {
    Ok(UserRecord {
        username: Username::parse(&username).map_err(|e| bad_row("user", e))?,
        password_hash,
        role: Role::parse(&role).map_err(|e| bad_row("user", e))?,
        organisation_id: OrgId::parse(&org).map_err(|e| bad_row("user", e))?,
        disabled,
        created_at,
    })
}

pub(crate) fn org_from_row((id, name, kind, country): (String, String, String, Option<String>)) -> Result<Organisation> {
    Ok(Organisation {
        id: OrgId::parse(&id).map_err(|e| bad_row("organisation", e))?,
        name,
        kind: OrgKind::parse(&kind).map_err(|e| bad_row("organisation", e))?,
        country: country.map(|c| CountryCode::parse(&c)).transpose().map_err(|e| bad_row("organisation", e))?,
    })
}

impl Store {
    /// Creates or replaces an organisation (seeding: the demo and tests; a change on
    /// someone's behalf uses [`Store::put_organisation_audited`]).
    pub async fn put_organisation(&self, o: &Organisation) -> Result<()> {
        self.put_organisation_in(o, None).await
    }

    /// Creates or replaces an organisation and appends `audit` in the same transaction.
    pub async fn put_organisation_audited(&self, o: &Organisation, audit: &NewAuditEntry<'_>) -> Result<()> {
        self.put_organisation_in(o, Some(audit)).await
    }

    async fn put_organisation_in(&self, o: &Organisation, audit: Option<&NewAuditEntry<'_>>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO organisations (id, name, kind, country) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, country = excluded.country")
            .bind(o.id.as_str()).bind(&o.name).bind(o.kind.key()).bind(o.country.map(|c| c.to_string()))
            .execute(c).await?.rows_affected());
        audited(&mut tx, audit).await?;
        tx.commit().await
    }

    pub async fn get_organisation(&self, id: &OrgId) -> Result<Option<Organisation>> {
        let row = on_pool!(self, p => sqlx::query_as("SELECT id, name, kind, country FROM organisations WHERE id = $1")
            .bind(id.as_str()).fetch_optional(p).await?);
        row.map(org_from_row).transpose()
    }

    pub async fn list_organisations(&self) -> Result<Vec<Organisation>> {
        let rows: Vec<(String, String, String, Option<String>)> =
            on_pool!(self, p => sqlx::query_as("SELECT id, name, kind, country FROM organisations ORDER BY id").fetch_all(p).await?);
        rows.into_iter().map(org_from_row).collect()
    }

    /// Deletes an organisation that no asset or user refers to.
    pub async fn delete_organisation(&self, id: &OrgId) -> Result<()> {
        self.delete_organisation_in(id, None).await
    }

    /// Deletes an organisation and appends `audit` in the same transaction.
    pub async fn delete_organisation_audited(&self, id: &OrgId, audit: &NewAuditEntry<'_>) -> Result<()> {
        self.delete_organisation_in(id, Some(audit)).await
    }

    async fn delete_organisation_in(&self, id: &OrgId, audit: Option<&NewAuditEntry<'_>>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = on_tx!(&mut tx, c => sqlx::query("DELETE FROM organisations WHERE id = $1").bind(id.as_str()).execute(c).await.map(|r| r.rows_affected()));
        match r {
            Ok(0) => Err(StoreError::NotFound(format!("organisation {id}"))),
            Ok(_) => {
                audited(&mut tx, audit).await?;
                tx.commit().await
            }
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                Err(StoreError::Conflict(format!("organisation {id} still operates assets or has users")))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn create_user(&self, u: &NewUser<'_>, now: i64) -> Result<UserRecord> {
        self.create_user_in(u, now, None).await
    }

    /// Creates a user and appends `audit` in the same transaction.
    pub async fn create_user_audited(&self, u: &NewUser<'_>, now: i64, audit: &NewAuditEntry<'_>) -> Result<UserRecord> {
        self.create_user_in(u, now, Some(audit)).await
    }

    async fn create_user_in(&self, u: &NewUser<'_>, now: i64, audit: Option<&NewAuditEntry<'_>>) -> Result<UserRecord> {
        let mut tx = self.begin_write().await?;
        let org: Option<i32> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT 1 FROM organisations WHERE id = $1")
            .bind(u.organisation_id.as_str()).fetch_optional(c).await?);
        if org.is_none() {
            return Err(StoreError::Invalid(Invalid::one("organisation_id", format!("no organisation with id {:?}", u.organisation_id.as_str()))));
        }
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO users (username, password_hash, role, organisation_id, disabled, created_at) VALUES ($1, $2, $3, $4, FALSE, $5)")
            .bind(u.username.as_str()).bind(u.password_hash).bind(u.role.key()).bind(u.organisation_id.as_str()).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, || format!("user {:?} already exists", u.username.as_str())))?;
        audited(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(UserRecord {
            username: u.username.clone(),
            password_hash: u.password_hash.to_string(),
            role: u.role,
            organisation_id: u.organisation_id.clone(),
            disabled: false,
            created_at: now,
        })
    }

    pub async fn get_user(&self, username: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        let row: Option<UserRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(username).fetch_optional(p).await?);
        row.map(user_from_row).transpose()
    }

    pub async fn list_users(&self) -> Result<Vec<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        let rows: Vec<UserRow> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        rows.into_iter().map(user_from_row).collect()
    }

    /// Changes what is given. A new password or disabling ends the user's sessions.
    pub async fn update_user(&self, username: &Username, role: Option<Role>, password_hash: Option<&str>, disabled: Option<bool>) -> Result<UserRecord> {
        self.update_user_in(username, role, password_hash, disabled, None).await
    }

    /// Changes a user and appends `audit` in the same transaction.
    pub async fn update_user_audited(
        &self,
        username: &Username,
        role: Option<Role>,
        password_hash: Option<&str>,
        disabled: Option<bool>,
        audit: &NewAuditEntry<'_>,
    ) -> Result<UserRecord> {
        self.update_user_in(username, role, password_hash, disabled, Some(audit)).await
    }

    async fn update_user_in(
        &self,
        username: &Username,
        role: Option<Role>,
        password_hash: Option<&str>,
        disabled: Option<bool>,
        audit: Option<&NewAuditEntry<'_>>,
    ) -> Result<UserRecord> {
        let mut tx = self.begin_write().await?;
        let n = crate::on_tx!(&mut tx, c => sqlx::query(
            "UPDATE users SET role = COALESCE($2, role), password_hash = COALESCE($3, password_hash), disabled = COALESCE($4, disabled) WHERE username = $1")
            .bind(username.as_str()).bind(role.map(|r| r.key())).bind(password_hash).bind(disabled).execute(c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {username}")));
        }
        if password_hash.is_some() || disabled == Some(true) {
            crate::on_tx!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE username = $1").bind(username.as_str()).execute(c).await?.rows_affected());
        }
        audited(&mut tx, audit).await?;
        tx.commit().await?;
        self.get_user(username.as_str()).await?.ok_or_else(|| StoreError::NotFound(format!("user {username}")))
    }

    /// The access-rule view of an enabled user.
    pub async fn principal(&self, username: &str) -> Result<Option<Principal>> {
        let row: Option<(String, String, String, String, Option<String>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT u.username, u.role, u.organisation_id, o.kind, o.country FROM users u JOIN organisations o ON o.id = u.organisation_id
             WHERE u.username = $1 AND NOT u.disabled")
            .bind(username).fetch_optional(p).await?);
        let Some((username, role, org, kind, country)) = row else { return Ok(None) };
        let bad = |e| bad_row("user", e);
        Ok(Some(Principal {
            username: Username::parse(&username).map_err(bad)?,
            role: Role::parse(&role).map_err(bad)?,
            organisation: OrgId::parse(&org).map_err(bad)?,
            org_kind: OrgKind::parse(&kind).map_err(bad)?,
            country: country.map(|c| CountryCode::parse(&c)).transpose().map_err(bad)?,
        }))
    }

    pub async fn create_session(&self, token_hash: &str, username: &str, csrf_token: &str, now: i64, expires_at: i64) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(username).bind(csrf_token).bind(now).bind(expires_at).execute(p).await?.rows_affected());
        Ok(())
    }

    /// The user and CSRF token of a live session.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<(Principal, String)>> {
        let row: Option<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT username, csrf_token FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash).bind(now).fetch_optional(p).await?);
        let Some((username, csrf)) = row else { return Ok(None) };
        Ok(self.principal(&username).await?.map(|p| (p, csrf)))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(p).await?.rows_affected());
        Ok(())
    }

    /// A login: the session and its audit entry in one transaction.
    pub async fn create_session_audited(&self, token_hash: &str, username: &str, csrf_token: &str, now: i64, expires_at: i64, audit: &NewAuditEntry<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(username).bind(csrf_token).bind(now).bind(expires_at).execute(c).await?.rows_affected());
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// A logout: the session (when there is one) ends and the audit entry is appended
    /// in one transaction.
    pub async fn delete_session_audited(&self, token_hash: Option<&str>, audit: &NewAuditEntry<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if let Some(token_hash) = token_hash {
            on_tx!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(c).await?.rows_affected());
        }
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// A refused login: the failure that counts towards throttling and its audit
    /// entry in one transaction.
    pub async fn record_login_failure_audited(&self, username: &str, now: i64, audit: &NewAuditEntry<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO login_failures (username, at) VALUES ($1, $2)").bind(username).bind(now).execute(c).await?.rows_affected());
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// An API token and its audit entry in one transaction.
    pub async fn create_api_token_audited(&self, token_hash: &str, username: &str, name: &str, now: i64, expires_at: Option<i64>, audit: &NewAuditEntry<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO api_tokens (token_hash, username, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(username).bind(name).bind(now).bind(expires_at).execute(c).await?.rows_affected());
        append(&mut tx, audit).await?;
        tx.commit().await
    }

    /// Removes expired sessions and old failed-login records.
    pub async fn purge_expired(&self, now: i64, failure_window_ms: i64) -> Result<()> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(p).await?.rows_affected();
            sqlx::query("DELETE FROM login_failures WHERE at <= $1").bind(now - failure_window_ms).execute(p).await?.rows_affected();
        });
        Ok(())
    }

    pub async fn create_api_token(&self, token_hash: &str, username: &str, name: &str, now: i64, expires_at: Option<i64>) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO api_tokens (token_hash, username, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(username).bind(name).bind(now).bind(expires_at).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn api_token(&self, token_hash: &str, now: i64) -> Result<Option<Principal>> {
        let row: Option<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT username FROM api_tokens WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)")
            .bind(token_hash).bind(now).fetch_optional(p).await?);
        match row {
            Some(u) => self.principal(&u).await,
            None => Ok(None),
        }
    }

    pub async fn record_login_failure(&self, username: &str, now: i64) -> Result<()> {
        on_pool!(self, p => sqlx::query("INSERT INTO login_failures (username, at) VALUES ($1, $2)").bind(username).bind(now).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn login_failures_since(&self, username: &str, since: i64) -> Result<i64> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar("SELECT count(*) FROM login_failures WHERE username = $1 AND at > $2")
            .bind(username).bind(since).fetch_one(p).await?);
        Ok(n)
    }

    pub async fn clear_login_failures(&self, username: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(username).execute(p).await?.rows_affected());
        Ok(())
    }
}

/// Appends the entry, when there is one, inside the change's transaction.
pub(crate) async fn audited(tx: &mut Tx, audit: Option<&NewAuditEntry<'_>>) -> Result<()> {
    if let Some(e) = audit {
        append(tx, e).await?;
    }
    Ok(())
}
