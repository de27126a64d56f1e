-- Lists filtered by country and sector (the usual analyst question) walk this index in
-- id order instead of scanning a whole country's assets for one sector.
CREATE INDEX assets_country_sector ON assets(country, sector, id);
