//! The shipped methodologies and catalogue: they parse, and they meet the counts the
//! product asks for.

use rampart_assess::*;

fn parsed() -> (Vec<Methodology>, Catalogue) {
    let methodologies = SHIPPED_METHODOLOGY_FILES
        .iter()
        .map(|(name, text)| Methodology::from_toml(name, text).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let (name, text) = SHIPPED_CATALOGUE_FILE;
    (methodologies, Catalogue::from_toml(name, text).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn shipped_files_parse_and_link_to_the_catalogue() {
    let (methodologies, catalogue) = parsed();
    let ids: Vec<&str> = methodologies.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["eu-public-spaces", "carver-shock"]);
    assert_eq!(shipped_methodologies().len(), 2);
    assert_eq!(shipped_catalogue(), catalogue);
    for (m, (name, _)) in methodologies.iter().zip(SHIPPED_METHODOLOGY_FILES) {
        m.check_catalogue(name, &catalogue).unwrap_or_else(|e| panic!("{e}"));
    }
}
