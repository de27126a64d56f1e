-- The sharing directory: communities (sharing groups) of organisations, and each
-- organisation's place in the warning network. `contact_point_country` is the country
-- of an organisation that is its member state's single point of contact (NULL
-- otherwise); being unique, a member state has at most one.
CREATE TABLE communities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE community_members (
    community_id TEXT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (community_id, organisation_id)
);
CREATE INDEX community_members_organisation ON community_members(organisation_id);

CREATE TABLE sharing_profiles (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    supervisor_id TEXT REFERENCES organisations(id),
    liaison TEXT REFERENCES users(username),
    contact_point_country TEXT UNIQUE
);
CREATE INDEX sharing_profiles_supervisor ON sharing_profiles(supervisor_id);
