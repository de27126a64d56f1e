//! The sharing directory: communities of organisations and each organisation's sharing
//! profile (supervising authority, security liaison officer, single point of contact).
//! Checks that need the directory (members exist, the supervisor is an authority, the
//! liaison officer belongs to the organisation, one contact point per member state)
//! run inside the writing transaction, so a refused change leaves nothing behind.

use crate::accounts::audited;
use crate::audit::NewAuditEntry;
use crate::{on_pool, on_tx, Result, Store, StoreError, Tx};
use rampart_core::{Community, CommunityId, CountryCode, FieldError, Invalid, OrgId, Organisation, SharingProfile, Username};

type ProfileRow = (Option<String>, Option<String>, Option<String>, Option<String>);

fn bad(what: &str, e: Invalid) -> StoreError {
    StoreError::Invalid(Invalid::one(what, format!("stored value unreadable: {e}")))
}

impl Store {
    /// Creates or replaces a community with its members. Unknown member organisations
    /// are named (`members[i]`) and nothing is written.
    pub async fn put_community(&self, c: &Community) -> Result<()> {
        self.put_community_in(c, None).await
    }

    /// Creates or replaces a community and appends `audit` in the same transaction
    /// (a refused change writes neither).
    pub async fn put_community_audited(&self, c: &Community, audit: &NewAuditEntry<'_>) -> Result<()> {
        self.put_community_in(c, Some(audit)).await
    }

    async fn put_community_in(&self, c: &Community, audit: Option<&NewAuditEntry<'_>>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut missing = Vec::new();
        for (i, m) in c.members.iter().enumerate() {
            if !org_exists(&mut tx, m).await? {
                missing.push(FieldError::new(format!("members[{i}]"), format!("no organisation {m}")));
            }
        }
        if !missing.is_empty() {
            return Err(StoreError::Invalid(Invalid(missing)));
        }
        on_tx!(&mut tx, t => sqlx::query(
            "INSERT INTO communities (id, name, description) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description")
            .bind(c.id.as_str()).bind(&c.name).bind(&c.description).execute(t).await?.rows_affected());
        on_tx!(&mut tx, t => sqlx::query("DELETE FROM community_members WHERE community_id = $1").bind(c.id.as_str()).execute(t).await?.rows_affected());
        for m in &c.members {
            on_tx!(&mut tx, t => sqlx::query("INSERT INTO community_members (community_id, organisation_id) VALUES ($1, $2)")
                .bind(c.id.as_str()).bind(m.as_str()).execute(t).await?.rows_affected());
        }
        audited(&mut tx, audit).await?;
        tx.commit().await
    }

    pub async fn get_community(&self, id: &CommunityId) -> Result<Option<Community>> {
        let row: Option<(String, String, String)> = on_pool!(self, p => sqlx::query_as("SELECT id, name, description FROM communities WHERE id = $1")
            .bind(id.as_str()).fetch_optional(p).await?);
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(self.community_from_row(r).await?)),
        }
    }

    /// All communities, or those `member` belongs to; sorted by id.
    pub async fn list_communities(&self, member: Option<&OrgId>) -> Result<Vec<Community>> {
        let rows: Vec<(String, String, String)> = match member {
            None => on_pool!(self, p => sqlx::query_as("SELECT id, name, description FROM communities ORDER BY id").fetch_all(p).await?),
            Some(o) => on_pool!(self, p => sqlx::query_as(
                "SELECT c.id, c.name, c.description FROM communities c JOIN community_members m ON m.community_id = c.id
                 WHERE m.organisation_id = $1 ORDER BY c.id").bind(o.as_str()).fetch_all(p).await?),
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.community_from_row(r).await?);
        }
        Ok(out)
    }

    pub async fn delete_community(&self, id: &CommunityId) -> Result<()> {
        self.delete_community_in(id, None).await
    }

    /// Deletes a community and appends `audit` in the same transaction.
    pub async fn delete_community_audited(&self, id: &CommunityId, audit: &NewAuditEntry<'_>) -> Result<()> {
        self.delete_community_in(id, Some(audit)).await
    }

    async fn delete_community_in(&self, id: &CommunityId, audit: Option<&NewAuditEntry<'_>>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = on_tx!(&mut tx, t => sqlx::query("DELETE FROM communities WHERE id = $1").bind(id.as_str()).execute(t).await.map(|r| r.rows_affected()));
        let n = match r {
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                return Err(StoreError::Conflict(format!("community {id} is still the audience of library documents or events")));
            }
            other => other?,
        };
        if n == 0 {
            return Err(StoreError::NotFound(format!("community {id}")));
        }
        audited(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn community_from_row(&self, (id, name, description): (String, String, String)) -> Result<Community> {
        let members: Vec<(String,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT organisation_id FROM community_members WHERE community_id = $1 ORDER BY organisation_id").bind(&id).fetch_all(p).await?);
        Ok(Community {
            id: CommunityId::parse(&id).map_err(|e| bad("community", e))?,
            name,
            description,
            members: members.into_iter().map(|(m,)| OrgId::parse(&m).map_err(|e| bad("community member", e))).collect::<Result<_>>()?,
        })
    }

    /// Sets an organisation's sharing profile after checking it against the directory.
    pub async fn set_sharing_profile(&self, org: &OrgId, profile: &SharingProfile) -> Result<()> {
        self.set_sharing_profile_in(org, profile, None).await
    }

    /// Sets a sharing profile and appends `audit` in the same transaction (a refused
    /// profile writes neither).
    pub async fn set_sharing_profile_audited(&self, org: &OrgId, profile: &SharingProfile, audit: &NewAuditEntry<'_>) -> Result<()> {
        self.set_sharing_profile_in(org, profile, Some(audit)).await
    }

    async fn set_sharing_profile_in(&self, org: &OrgId, profile: &SharingProfile, audit: Option<&NewAuditEntry<'_>>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let Some(organisation) = org_in(&mut tx, org).await? else { return Err(StoreError::NotFound(format!("organisation {org}"))) };
        let supervisor = match &profile.supervisor {
            Some(s) => org_in(&mut tx, s).await?,
            None => None,
        };
        let liaison_org = match &profile.liaison {
            Some(u) => user_org(&mut tx, u).await?,
            None => None,
        };
        profile.check(&organisation, supervisor.as_ref(), liaison_org.as_ref()).map_err(StoreError::Invalid)?;
        let country = organisation.country.map(|c| c.to_string());
        let spoc = country.as_ref().filter(|_| profile.contact_point);
        let ncp = country.as_ref().filter(|_| profile.precursor_contact_point);
        // Which designation collides, named before writing so the error says which.
        for (field, column, taken, what) in [
            ("contact_point", "contact_point_country", spoc, "a single point of contact"),
            ("precursor_contact_point", "precursor_country", ncp, "a national contact point for explosives precursors"),
        ] {
            let Some(c) = taken else { continue };
            let sql = format!("SELECT organisation_id FROM sharing_profiles WHERE {column} = $1 AND organisation_id <> $2");
            let other: Option<(String,)> = on_tx!(&mut tx, t => sqlx::query_as(&sql).bind(c).bind(org.as_str()).fetch_optional(t).await?);
            if let Some((o,)) = other {
                return Err(StoreError::Conflict(format!("{field}: {c} already has {what} ({o})")));
            }
        }
        on_tx!(&mut tx, t => sqlx::query(
            "INSERT INTO sharing_profiles (organisation_id, supervisor_id, liaison, contact_point_country, precursor_country) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (organisation_id) DO UPDATE SET supervisor_id = excluded.supervisor_id, liaison = excluded.liaison,
                 contact_point_country = excluded.contact_point_country, precursor_country = excluded.precursor_country")
            .bind(org.as_str()).bind(profile.supervisor.as_ref().map(OrgId::as_str)).bind(profile.liaison.as_ref().map(Username::as_str))
            .bind(spoc).bind(ncp).execute(t).await?.rows_affected());
        audited(&mut tx, audit).await?;
        tx.commit().await
    }

    /// The organisation's profile (empty when none was set).
    pub async fn sharing_profile(&self, org: &OrgId) -> Result<SharingProfile> {
        let row: Option<ProfileRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT supervisor_id, liaison, contact_point_country, precursor_country FROM sharing_profiles WHERE organisation_id = $1")
            .bind(org.as_str()).fetch_optional(p).await?);
        let Some((supervisor, liaison, country, precursor_country)) = row else { return Ok(SharingProfile::default()) };
        Ok(SharingProfile {
            supervisor: supervisor.map(|s| OrgId::parse(&s)).transpose().map_err(|e| bad("supervisor", e))?,
            liaison: liaison.map(|u| Username::parse(&u)).transpose().map_err(|e| bad("liaison", e))?,
            contact_point: country.is_some(),
            precursor_contact_point: precursor_country.is_some(),
        })
    }

    /// The organisations `org` supervises: its clients, sorted.
    pub async fn clients_of(&self, org: &OrgId) -> Result<Vec<OrgId>> {
        let rows: Vec<(String,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT organisation_id FROM sharing_profiles WHERE supervisor_id = $1 ORDER BY organisation_id").bind(org.as_str()).fetch_all(p).await?);
        rows.into_iter().map(|(o,)| OrgId::parse(&o).map_err(|e| bad("client", e))).collect()
    }

    /// The member state's single point of contact, if one is set.
    pub async fn contact_point(&self, country: CountryCode) -> Result<Option<OrgId>> {
        self.designated("contact_point_country", country).await
    }

    /// The member state's national contact point for explosives precursors, if one is set.
    pub async fn precursor_contact_point(&self, country: CountryCode) -> Result<Option<OrgId>> {
        self.designated("precursor_country", country).await
    }

    async fn designated(&self, column: &str, country: CountryCode) -> Result<Option<OrgId>> {
        let sql = format!("SELECT organisation_id FROM sharing_profiles WHERE {column} = $1");
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(&sql).bind(country.to_string()).fetch_optional(p).await?);
        row.map(|(o,)| OrgId::parse(&o).map_err(|e| bad("contact point", e))).transpose()
    }
}

async fn org_exists(tx: &mut Tx, id: &OrgId) -> Result<bool> {
    Ok(org_in(tx, id).await?.is_some())
}

async fn org_in(tx: &mut Tx, id: &OrgId) -> Result<Option<Organisation>> {
    let row: Option<(String, String, String, Option<String>)> = on_tx!(tx, t => sqlx::query_as("SELECT id, name, kind, country FROM organisations WHERE id = $1")
        .bind(id.as_str()).fetch_optional(t).await?);
    row.map(crate::accounts::org_from_row).transpose()
}

async fn user_org(tx: &mut Tx, user: &Username) -> Result<Option<OrgId>> {
    let row: Option<(String,)> = on_tx!(tx, t => sqlx::query_as("SELECT organisation_id FROM users WHERE username = $1")
        .bind(user.as_str()).fetch_optional(t).await?);
    row.map(|(o,)| OrgId::parse(&o).map_err(|e| bad("user organisation", e))).transpose()
}
