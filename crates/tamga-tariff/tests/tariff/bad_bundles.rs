//! Broken bundles are refused, each problem at its `file:line` with what was expected.
//!
//! Every test copies the mini bundle to a fresh temporary directory, breaks one thing and loads
//! the copy. The line numbers refer to the rows of `tests/bundles/mini`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use tamga_tariff::{BundleErrors, BundleIssue, TariffSnapshot};

use crate::directory::DirectorySource;
use crate::mini_dir;

/// A copy of the mini bundle in a temporary directory, removed when dropped.
struct Scratch {
    root: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "tamga-tariff-test-{}-{}-{name}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        if root.exists() {
            std::fs::remove_dir_all(&root).unwrap();
        }
        copy_dir(&mini_dir(), &root);
        Scratch { root }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.root.join(file)
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.path(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path(file), text).unwrap_or_else(|e| panic!("{file}: {e}"));
    }

    /// Appends a row; returns its line number.
    fn append(&self, file: &str, row: &str) -> u64 {
        let mut text = self.read(file);
        assert!(text.ends_with('\n'), "{file} must end with a newline");
        let line = text.lines().count() as u64 + 1;
        text.push_str(row);
        text.push('\n');
        self.write(file, &text);
        line
    }

    /// Replaces the only occurrence of `from`; returns the line number it was on.
    fn replace(&self, file: &str, from: &str, to: &str) -> u64 {
        let text = self.read(file);
        assert_eq!(
            text.matches(from).count(),
            1,
            "{from:?} must occur exactly once in {file}"
        );
        let at = text.find(from).unwrap();
        let line = text[..at].matches('\n').count() as u64 + 1;
        self.write(file, &text.replacen(from, to, 1));
        line
    }

    fn load(&self) -> Result<TariffSnapshot, BundleErrors> {
        tamga_tariff::load(&DirectorySource {
            root: self.root.clone(),
        })
    }

    /// Loads the copy, which must be refused.
    fn refused(&self) -> BundleErrors {
        match self.load() {
            Ok(_) => panic!("the broken bundle in {} was accepted", self.root.display()),
            Err(errors) => errors,
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The issue in `file` (path relative to the bundle) at `line` whose message has `needle`.
fn issue<'e>(errors: &'e BundleErrors, file: &str, line: u64, needle: &str) -> &'e BundleIssue {
    errors
        .issues
        .iter()
        .find(|i| {
            i.file.ends_with(&format!("/{file}")) && i.line == line && i.message.contains(needle)
        })
        .unwrap_or_else(|| {
            panic!("expected an issue at {file}:{line} saying {needle:?}; got:\n{errors}")
        })
}

/// Exactly one issue, the expected one: breaking one thing reports one problem.
fn only_issue<'e>(
    errors: &'e BundleErrors,
    file: &str,
    line: u64,
    needle: &str,
) -> &'e BundleIssue {
    let found = issue(errors, file, line, needle);
    assert_eq!(errors.issues.len(), 1, "expected one issue, got:\n{errors}");
    found
}

const MEASURES: &str = "measures.csv";
const RATES: &str = "tariff/rates2020.csv";
const LINES: &str = "tariff/lines2020.csv";

#[test]
fn the_unbroken_copy_loads() {
    let scratch = Scratch::new("unbroken");
    assert!(scratch.load().is_ok());
}

// --- Overlapping periods -----------------------------------------------------------------------

#[test]
fn bytes_that_are_not_utf8_are_refused_at_their_line_and_column() {
    let scratch = Scratch::new("not-utf8");
    let text = scratch.read(LINES);
    let second_line_end = text.match_indices('\n').nth(1).unwrap().0;
    let mut bytes = text.into_bytes();
    // A Latin-1 "é" after the second line's text: not UTF-8.
    bytes.insert(second_line_end, 0xE9);
    let column = bytes[..second_line_end]
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .count()
        + 1;
    std::fs::write(scratch.path(LINES), bytes).unwrap();
    let errors = scratch.refused();
    // The file is refused whole (the rates on its codes then have no line, and say so).
    let found = issue(&errors, LINES, 2, "expected UTF-8 text");
    assert_eq!(found.column, column as u64, "{errors}");
}

#[test]
fn overlapping_anti_dumping_periods_are_refused() {
    let scratch = Scratch::new("overlap-measure");
    // The first anti-dumping row (line 6) runs 2020-03-01 .. 2020-08-31.
    let line = scratch.append(
        MEASURES,
        "ad-tubes-cn-2,antidumping,7306301100,CN,,20%,2020-08-31,2020-12-31,Test decision No. 11,mini test bundle,unverified",
    );
    assert_eq!(line, 9);
    let errors = scratch.refused();
    let found = only_issue(&errors, MEASURES, line, "overlaps");
    assert!(
        found.message.contains("2020-03-01 .. 2020-08-31") && found.message.contains("at line 6"),
        "{found}"
    );
}

#[test]
fn adjacent_anti_dumping_periods_are_accepted() {
    let scratch = Scratch::new("adjacent-measure");
    scratch.append(
        MEASURES,
        "ad-tubes-cn-2,antidumping,7306301100,CN,,20%,2020-09-01,2020-12-31,Test decision No. 11,mini test bundle,unverified",
    );
    // The same code and dates for another origin is no overlap either.
    scratch.append(
        MEASURES,
        "ad-tubes-us,antidumping,7306301100,US,,20%,2020-03-01,2020-08-31,Test decision No. 16,mini test bundle,unverified",
    );
    let snapshot = scratch.load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snapshot.measures.len(), 14);
}

#[test]
fn overlapping_editions_are_refused() {
    let scratch = Scratch::new("overlap-edition");
    let line = scratch.replace(
        "editions.csv",
        "2021-01-01,,Test decision No. 2",
        "2020-12-31,,Test decision No. 2",
    );
    assert_eq!(line, 3);
    let errors = scratch.refused();
    let found = only_issue(&errors, "editions.csv", line, "tariff edition");
    assert!(found.message.contains("overlaps"), "{found}");
    assert_eq!(found.field, "valid_from");
}

#[test]
fn overlapping_quotas_are_refused() {
    let scratch = Scratch::new("overlap-quota");
    let line = scratch.append(
        "tariff_quotas.csv",
        "q-sweet-waters-2,2202100000,,2020-09-30,2020-12-31,500000,l,0%,Test quota decision No. 12,mini test bundle,unverified",
    );
    let errors = scratch.refused();
    only_issue(&errors, "tariff_quotas.csv", line, "overlaps");
}

// --- Unknown codes, units and currencies -------------------------------------------------------

#[test]
fn a_measure_on_an_unknown_code_is_refused() {
    let scratch = Scratch::new("unknown-code");
    let line = scratch.append(
        MEASURES,
        "ad-7307,antidumping,7307190000,CN,,10%,2020-01-01,2020-12-31,Test decision No. 13,mini test bundle,unverified",
    );
    let errors = scratch.refused();
    let found = only_issue(&errors, MEASURES, line, "unknown code 7307190000");
    assert_eq!(found.field, "code");
    assert_eq!(found.column, 3);
}

#[test]
fn a_measure_dated_before_the_edition_that_has_its_code_is_refused() {
    // 2202990000 exists only in the 2021 nomenclature; a 2020 measure on it has no code.
    let scratch = Scratch::new("code-of-later-edition");
    let line = scratch.append(
        MEASURES,
        "ad-2202990000,antidumping,2202990000,CN,,10%,2020-01-01,2020-12-31,Test decision No. 14,mini test bundle,unverified",
    );
    let errors = scratch.refused();
    only_issue(&errors, MEASURES, line, "unknown code 2202990000");
}

#[test]
fn a_rate_with_an_unknown_unit_is_refused() {
    let scratch = Scratch::new("unknown-rate-unit");
    let line = scratch.replace(RATES, "2202991900,12%,", "2202991900,0.5 EUR/furlong,");
    assert_eq!(line, 5);
    let errors = scratch.refused();
    let found = only_issue(&errors, RATES, line, "unknown unit furlong");
    assert_eq!(found.field, "rate_raw");
    assert!(found.message.contains("union/units.csv"), "{found}");
}

#[test]
fn a_supplementary_unit_symbol_no_unit_has_is_refused() {
    let scratch = Scratch::new("unknown-symbol");
    let line = scratch.replace(LINES, ",прочие,л,12,", ",прочие,бочка,12,");
    assert_eq!(line, 8);
    let errors = scratch.refused();
    let found = only_issue(&errors, LINES, line, "unknown unit \"бочка\"");
    assert_eq!(found.field, "supplementary_unit");
}

#[test]
fn a_quota_in_an_unknown_unit_is_refused() {
    let scratch = Scratch::new("unknown-quota-unit");
    let line = scratch.replace("tariff_quotas.csv", ",1000000,l,", ",1000000,bbl,");
    let errors = scratch.refused();
    only_issue(&errors, "tariff_quotas.csv", line, "unknown unit bbl");
}

#[test]
fn a_rate_in_an_unknown_currency_is_refused() {
    let scratch = Scratch::new("unknown-currency");
    let line = scratch.replace(RATES, "\"0,1 евро за 1 л\"", "0.5 XYZ/kg");
    assert_eq!(line, 3);
    let errors = scratch.refused();
    only_issue(&errors, RATES, line, "unknown currency XYZ");
}

#[test]
fn a_measure_for_an_unknown_origin_is_refused() {
    let scratch = Scratch::new("unknown-origin");
    let line = scratch.replace(MEASURES, "7306301100,CN,", "7306301100,GB,");
    assert_eq!(line, 6);
    let errors = scratch.refused();
    let found = only_issue(&errors, MEASURES, line, "unknown country GB");
    assert_eq!(found.field, "origin");
}

#[test]
fn a_measure_for_a_state_outside_the_union_is_refused() {
    let scratch = Scratch::new("not-a-member");
    let line = scratch.replace(MEASURES, "2202991900,,KZ,", "2202991900,,DE,");
    assert_eq!(line, 5);
    let errors = scratch.refused();
    let found = only_issue(&errors, MEASURES, line, "DE is not a member state");
    assert_eq!(found.field, "state");
}

#[test]
fn an_exemption_without_a_state_is_refused() {
    let scratch = Scratch::new("exemption-without-state");
    let line = scratch.replace(MEASURES, "2202991900,,KZ,", "2202991900,,,");
    let errors = scratch.refused();
    only_issue(&errors, MEASURES, line, "expected the member state");
}

/// A marker whose note is not in the notes file is never guessed: the code keeps its base rate
/// and shows that the note's text is not in the data.
#[test]
fn a_marker_without_its_note_is_shown_not_guessed() {
    let scratch = Scratch::new("missing-note");
    let line = scratch.replace(RATES, "10 <1С>,1С", "10 <2С>,2С");
    assert_eq!(line, 4);
    let snapshot = scratch.load().unwrap_or_else(|e| panic!("{e}"));
    let edition = snapshot.edition("mini2020").unwrap();
    let remarks = &edition.note_remarks[&crate::code("2202991100")];
    assert_eq!(remarks.len(), 1);
    assert_eq!(&*remarks[0], "note 2С): text not in the data");
    let found = snapshot
        .lookup(&crate::query("2202991100", "2020-03-01"))
        .unwrap();
    assert_eq!(found.import_duty.rate.to_string(), "10%");
}

// --- Rates and numbers -------------------------------------------------------------------------

#[test]
fn a_rate_that_does_not_parse_is_refused() {
    let scratch = Scratch::new("bad-rate");
    let line = scratch.replace(RATES, "2202991900,12%,", "2202991900,12 процентов,");
    let errors = scratch.refused();
    let found = only_issue(&errors, RATES, line, "expected a rate such as 15%");
    assert_eq!(found.field, "rate_raw");
    // The parser's own message says where in the cell it stopped.
    assert!(found.message.contains("column 4"), "{found}");
}

#[test]
fn normatives_that_do_not_sum_to_100_are_refused() {
    let scratch = Scratch::new("normatives");
    scratch.write(
        "union/normatives.csv",
        "set,valid_from,valid_to,state,percent,legal_basis,source,verification\n\
         2010,2010-09-01,2014-12-31,BY,4.700,Test agreement 2010,mini,verified\n\
         2010,2010-09-01,2014-12-31,KZ,7.330,Test agreement 2010,mini,verified\n\
         2010,2010-09-01,2014-12-31,RU,87.970,Test agreement 2010,mini,verified\n\
         2020,2020-01-01,,AM,1.220,Test protocol 2019,mini,verified\n\
         2020,2020-01-01,,BY,4.860,Test protocol 2019,mini,verified\n\
         2020,2020-01-01,,KZ,6.955,Test protocol 2019,mini,verified\n\
         2020,2020-01-01,,KG,1.900,Test protocol 2019,mini,verified\n\
         2020,2020-01-01,,RU,85.000,Test protocol 2019,mini,verified\n",
    );
    let errors = scratch.refused();
    // A set's total is reported at the set's first row.
    let found = only_issue(&errors, "union/normatives.csv", 5, "sum to 99.935");
    assert!(found.message.contains("expected exactly 100"), "{found}");
    assert!(found.message.contains("set 2020"), "{found}");
}

#[test]
fn normatives_that_sum_to_100_are_accepted() {
    let scratch = Scratch::new("normatives-ok");
    scratch.write(
        "union/normatives.csv",
        "set,valid_from,valid_to,state,percent,legal_basis,source,verification\n\
         2020,2020-01-01,,AM,1.220,Test protocol 2019,mini,verified\n\
         2020,2020-01-01,,BY,4.860,Test protocol 2019,mini,verified\n\
         2020,2020-01-01,,KZ,6.955,Test protocol 2019,mini,verified\n\
         2020,2020-01-01,,KG,1.900,Test protocol 2019,mini,verified\n\
         2020,2020-01-01,,RU,85.065,Test protocol 2019,mini,verified\n",
    );
    let snapshot = scratch.load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snapshot.normatives.len(), 1);
}

#[test]
fn an_edition_without_rates_with_a_rates_file_is_refused() {
    let scratch = Scratch::new("unknown-rates-with-file");
    let line = scratch.replace(
        "editions.csv",
        "unknown,tariff/lines2021.csv,tariff/sections.csv,,,",
        "unknown,tariff/lines2021.csv,tariff/sections.csv,tariff/rates2020.csv,,",
    );
    let errors = scratch.refused();
    only_issue(&errors, "editions.csv", line, "expected no rates file");
}

// --- Whole-bundle behaviour --------------------------------------------------------------------

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let scratch = Scratch::new("three-problems");
    let rates_line = scratch.replace(RATES, "\"0,1 евро за 1 л\"", "0.5 XYZ/kg");
    let lines_line = scratch.replace(LINES, ",прочие,л,12,", ",прочие,бочка,12,");
    let measures_line = scratch.append(
        MEASURES,
        "ad-7307,antidumping,7307190000,CN,,10%,2020-01-01,2020-12-31,Test decision No. 13,mini test bundle,unverified",
    );
    let errors = scratch.refused();
    assert!(errors.issues.len() >= 3, "{errors}");
    issue(&errors, RATES, rates_line, "unknown currency XYZ");
    issue(&errors, LINES, lines_line, "unknown unit");
    issue(&errors, MEASURES, measures_line, "unknown code 7307190000");
    // The report names the bundle and counts the problems.
    let report = errors.to_string();
    assert!(
        report.contains(&scratch.root.display().to_string()),
        "{report}"
    );
    assert!(
        report.contains(&format!("has {} problem(s)", errors.issues.len())),
        "{report}"
    );
}

#[test]
fn a_missing_editions_file_is_reported() {
    let scratch = Scratch::new("no-editions");
    std::fs::remove_file(scratch.path("editions.csv")).unwrap();
    let errors = scratch.refused();
    let found = issue(&errors, "editions.csv", 1, "the bundle has no such file");
    assert!(
        found.file.starts_with(&scratch.root.display().to_string()),
        "{found}"
    );
}

#[test]
fn a_missing_lines_file_is_reported() {
    let scratch = Scratch::new("no-lines");
    std::fs::remove_file(scratch.path(LINES)).unwrap();
    let errors = scratch.refused();
    issue(&errors, LINES, 1, "the bundle has no such file");
}

#[test]
fn a_row_with_too_many_fields_is_reported_with_its_line() {
    let scratch = Scratch::new("unequal-fields");
    let line = scratch.append(
        MEASURES,
        "extra,antidumping,7306301100,CN,,10%,2020-09-01,2020-12-31,Test decision No. 15,mini test bundle,unverified,surplus",
    );
    let errors = scratch.refused();
    only_issue(
        &errors,
        MEASURES,
        line,
        "expected 11 fields like the header, found 12",
    );
}

#[test]
fn a_missing_required_column_is_reported_on_the_header() {
    let scratch = Scratch::new("no-column");
    scratch.replace(
        "tariff_quotas.csv",
        "quota,code,origin,valid_from,valid_to,volume,unit,in_quota_rate,",
        "quota,code,origin,valid_from,valid_to,amount,unit,in_quota_rate,",
    );
    let errors = scratch.refused();
    let found = issue(&errors, "tariff_quotas.csv", 1, "no column \"volume\"");
    assert_eq!(found.field, "volume");
}

#[test]
fn a_date_that_is_not_a_date_is_refused() {
    let scratch = Scratch::new("bad-date");
    let line = scratch.replace(
        MEASURES,
        "18.6%,2020-03-01,2020-08-31,",
        "18.6%,2020-03-01,2020-08-32,",
    );
    let errors = scratch.refused();
    let found = only_issue(&errors, MEASURES, line, "expected a date YYYY-MM-DD");
    assert_eq!(found.field, "valid_to");
}

#[test]
fn a_period_that_ends_before_it_starts_is_refused() {
    let scratch = Scratch::new("backwards-period");
    let line = scratch.replace(
        MEASURES,
        "18.6%,2020-03-01,2020-08-31,",
        "18.6%,2020-03-01,2020-02-28,",
    );
    let errors = scratch.refused();
    only_issue(&errors, MEASURES, line, "on or after valid_from");
}

#[test]
fn a_code_rated_twice_in_the_rates_file_is_refused() {
    let scratch = Scratch::new("rated-twice");
    let line = scratch.append(RATES, "2202910000,\"0,2 евро за 1 л\",");
    assert_eq!(line, 6);
    let errors = scratch.refused();
    let found = only_issue(&errors, RATES, line, "overlaps");
    assert!(found.message.contains("at line 3"), "{found}");
}

#[test]
fn a_record_spanning_lines_is_reported_at_its_first_line() {
    // The real notes file has quoted texts over two lines; the line numbers must stay right.
    let scratch = Scratch::new("multi-line-record");
    scratch.write(
        "tariff/notes2020.csv",
        "note_id,temp_rate_text,valid_from,valid_to,text\n\
         1С,5,2020-02-01,2020-06-30,\"Ставка 5 %.\n(примечание введено тестовым решением)\"\n\
         2С,пять,2020-02-01,2020-06-30,Ставка пять.\n",
    );
    let errors = scratch.refused();
    let found = only_issue(&errors, "tariff/notes2020.csv", 4, "expected a rate");
    assert_eq!(found.field, "temp_rate_text");
}

// --- Gaps found by these tests and fixed in the loader ------------------------------------------

#[test]
fn a_temporary_rate_note_that_ends_before_it_starts_is_refused() {
    let scratch = Scratch::new("backwards-note");
    let line = scratch.replace(
        "tariff/notes2020.csv",
        "1С,5,2020-02-01,2020-06-30,",
        "1С,5,2020-06-30,2020-02-01,",
    );
    let errors = scratch.refused();
    only_issue(
        &errors,
        "tariff/notes2020.csv",
        line,
        "on or after valid_from",
    );
}

#[test]
fn a_temporary_rate_note_listed_twice_is_refused() {
    let scratch = Scratch::new("note-twice");
    let line = scratch.append(
        "tariff/notes2020.csv",
        "1С,7,2020-02-01,2020-06-30,Ставка 7 %.",
    );
    let errors = scratch.refused();
    only_issue(&errors, "tariff/notes2020.csv", line, "1С");
}

#[test]
fn a_measure_on_a_deleted_code_is_refused() {
    let scratch = Scratch::new("measure-on-deleted-code");
    scratch.append(
        LINES,
        "15,XV,73,excluded,7306409000,7306 40 900 0,,Исключен. - Тестовое решение,,,false",
    );
    let line = scratch.append(
        MEASURES,
        "ad-deleted,antidumping,7306409000,CN,,10%,2020-01-01,2020-12-31,Test decision No. 17,mini test bundle,unverified",
    );
    let errors = scratch.refused();
    only_issue(&errors, MEASURES, line, "unknown code 7306409000");
}

// --- The one reader of dated tables: the union's tables are checked like the measures --------

#[test]
fn overlapping_memberships_of_a_state_are_refused() {
    let scratch = Scratch::new("membership-twice");
    let line = scratch.append(
        "union/member_states.csv",
        "RU,Russia,Россия,2015-01-01,,8,Europe/Moscow,mini test bundle,verified",
    );
    let errors = scratch.refused();
    let found = only_issue(&errors, "union/member_states.csv", line, "overlaps");
    assert!(found.message.starts_with("membership in force"), "{found}");
    assert!(found.message.contains("at line 6"), "{found}");
    assert_eq!(found.field, "state");
}

#[test]
fn a_membership_that_ends_before_it_starts_names_its_own_columns() {
    let scratch = Scratch::new("membership-backwards");
    let line = scratch.replace(
        "union/member_states.csv",
        "Армения,2015-01-02,,",
        "Армения,2015-01-02,2014-12-31,",
    );
    let errors = scratch.refused();
    let found = only_issue(
        &errors,
        "union/member_states.csv",
        line,
        "expected a date on or after member_from",
    );
    assert_eq!(found.field, "member_to");
}

#[test]
fn overlapping_preference_regimes_are_refused() {
    let scratch = Scratch::new("regime-twice");
    let text = scratch.read("union/preference_regimes.csv");
    let first = text.lines().nth(1).expect("a regime row").to_owned();
    let line = scratch.append("union/preference_regimes.csv", &first);
    let errors = scratch.refused();
    let found = only_issue(&errors, "union/preference_regimes.csv", line, "overlaps");
    assert!(
        found.message.starts_with("preference regime in force"),
        "{found}"
    );
}

/// The mini bundle, whose source panics when the loader reads one file.
struct PanicsOn {
    base: DirectorySource,
    path: &'static str,
}

impl tamga_tariff::BundleSource for PanicsOn {
    fn read(&self, path: &str) -> Result<Option<std::borrow::Cow<'static, [u8]>>, std::io::Error> {
        assert_ne!(path, self.path, "the test source refuses to read {path}");
        self.base.read(path)
    }

    fn describe(&self) -> String {
        self.base.describe()
    }

    fn file_name(&self, path: &str) -> String {
        self.base.file_name(path)
    }
}

/// Each edition's files are read on a thread of its own. A thread that panics used to be
/// dropped with its edition (`filter_map(|h| h.join().ok())`), and the bundle loaded without
/// it; now the load fails, at the edition's row of `editions.csv`.
#[test]
fn an_edition_whose_loader_panics_fails_the_load() {
    let source = PanicsOn {
        base: DirectorySource { root: mini_dir() },
        path: "tariff/lines2021.csv",
    };
    let errors = match tamga_tariff::load(&source) {
        Ok(snapshot) => panic!(
            "the bundle loaded with editions {:?}",
            snapshot.editions.iter().map(|e| &e.id).collect::<Vec<_>>()
        ),
        Err(errors) => errors,
    };
    let found = only_issue(&errors, "editions.csv", 3, "mini2021");
    assert_eq!(found.field, "edition");
    assert!(found.message.contains("their loader stopped"), "{found}");
    assert!(
        found
            .message
            .contains("the test source refuses to read tariff/lines2021.csv"),
        "{found}"
    );
}
