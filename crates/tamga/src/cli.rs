//! The command line. `--format json` prints one JSON document on stdout; errors go to stderr
//! with a non-zero exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tamga_core::{CommodityCode, CountryCode, Date, parse_date};

use crate::tariff_cmd;

#[derive(Parser, Debug)]
#[command(
    name = "tamga",
    version,
    about = "The information system of a customs union"
)]
pub struct Cli {
    /// Load the tariff bundle from this directory instead of the built-in one.
    #[arg(long, env = "TAMGA_TARIFF", global = true, value_name = "DIR")]
    pub tariff: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The Common Customs Tariff: look up, search, browse and check bundles.
    #[command(subcommand)]
    Tariff(TariffCommand),
    /// Assess the customs payments of a goods declaration (JSON), or of a JSON Lines batch.
    Assess(AssessArgs),
    /// Run the declaration service: the HTTP API on SQLite (default ./tamga.db) or PostgreSQL.
    Serve(ServeArgs),
    /// The database: migrations.
    #[command(subcommand)]
    Db(DbCommand),
    /// API tokens: create, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The treasury: the distribution of import duties among the member states.
    #[command(subcommand)]
    Treasury(TreasuryCommand),
    /// Load generators for the service's benchmarks (docs/benchmarks.md).
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// Where the database is: `sqlite://PATH` (created when missing) or `postgres://…`.
#[derive(Args, Debug, Clone)]
pub struct DbArg {
    #[arg(
        long,
        env = "TAMGA_DB",
        default_value = "sqlite://./tamga.db",
        value_name = "URL"
    )]
    pub db: String,
    /// The node key file: the secret that keys the audit chain and signs its checkpoints. It
    /// is kept outside the database and created (readable by its owner only) when missing.
    /// Default: the SQLite file's path with `.key` (`./tamga.key` for `./tamga.db`), or
    /// `./tamga.key` for PostgreSQL.
    #[arg(long, env = "TAMGA_KEY", value_name = "FILE")]
    pub key: Option<PathBuf>,
}

impl DbArg {
    /// Where the node key is.
    pub fn key_path(&self) -> PathBuf {
        if let Some(path) = &self.key {
            return path.clone();
        }
        match self
            .db
            .strip_prefix("sqlite://")
            .or_else(|| self.db.strip_prefix("sqlite:"))
        {
            Some(file) => {
                let file = file.split('?').next().unwrap_or(file);
                PathBuf::from(file).with_extension("key")
            }
            None => PathBuf::from("tamga.key"),
        }
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// The address to listen on.
    #[arg(
        long,
        env = "TAMGA_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: std::net::SocketAddr,
    /// The business date (YYYY-MM-DD): registrations use this day's tariff, rates and fees.
    /// Default: the system date. The built-in tariff ends in 2021, so demos set it.
    #[arg(long, env = "TAMGA_TODAY", value_parser = parse_date_arg)]
    pub today: Option<Date>,
    /// The most connections open at once; at the limit, the connection idle the longest is
    /// closed to serve a new client.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers.
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a keep-alive connection may stay open with no request.
    #[arg(long, default_value_t = 60)]
    pub idle_timeout: u64,
    /// Seconds one request may take before it is answered 503.
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
    /// How special, anti-dumping and countervailing duties are distributed on closing a day.
    #[arg(long, value_enum, default_value_t = SpecialDuties::Normatives)]
    pub special_duties: SpecialDuties,
    /// Interest per calendar day on a transfer confirmed after its deadline, as a fraction
    /// (0.0001 = 0.01 % a day). The legal rate is unverified: docs/treasury.md.
    #[arg(long, default_value_t = tamga_app::DEFAULT_LATE_INTEREST)]
    pub late_interest_daily_rate: rust_decimal::Decimal,
    /// How many days before the business date a receipt, a transfer's sending or confirmation,
    /// or a closed day may be dated.
    #[arg(long, default_value_t = tamga_treasury::bounds::DEFAULT_WINDOW_DAYS)]
    pub money_date_window_days: u16,
    /// The most interest a transfer's confirmation books without a separate approval, in
    /// percent of the debt.
    #[arg(long, default_value_t = tamga_treasury::bounds::DEFAULT_INTEREST_CAP_PERCENT)]
    pub interest_cap_percent: rust_decimal::Decimal,
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Apply the embedded migrations the database lacks, and nothing else.
    Migrate(DbArg),
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token and print it. It is shown this once: only its digest is stored.
    Create(TokenCreateArgs),
    /// List the tokens (never their secrets).
    List(DbArg),
    /// Revoke a token by its id (`tok_…`).
    Revoke {
        id: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Args, Debug)]
pub struct TokenCreateArgs {
    /// declarant, officer, treasury, commission or admin.
    #[arg(long)]
    pub role: String,
    /// The member state of an officer or treasury token.
    #[arg(long)]
    pub state: Option<String>,
    /// The taxpayer number of a declarant token.
    #[arg(long)]
    pub tin: Option<String>,
    /// Who holds it, for lists and the audit log.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the keyed chain, the rows each entry wrote, each object's state and the
    /// checkpoints given; report every problem (exit 3).
    Verify {
        #[command(flatten)]
        db: DbArg,
        /// A file of checkpoints kept by `tamga audit checkpoint` (one JSON per line): each
        /// must still be in the chain.
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Sign a checkpoint of the chain's head now and append it to a file (one JSON per line),
    /// or print it. Keep the file outside the database's machine.
    Checkpoint {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, value_name = "FILE")]
        append: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TreasuryCommand {
    /// Split an amount among the member states by the normatives in force on a day, to the
    /// minor unit (largest remainder). A pure calculation: no database.
    Split(SplitArgs),
    /// Close a day of a state's single account: distribute its receipts by the normatives.
    CloseDay(CloseDayArgs),
    /// The closed days of a state's single account and their distribution.
    Report(ReportArgs),
    /// Compare what each state's books say it owes each other state with what the other's
    /// books say it is owed, over a period; show every difference and the entries behind it.
    Reconcile(ReconcileArgs),
    /// The transfer orders a state sends or receives.
    Transfers(TransfersArgs),
}

#[derive(Args, Debug)]
pub struct TransfersArgs {
    #[arg(long)]
    pub state: String,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct ReconcileArgs {
    #[arg(long, value_parser = parse_date_arg)]
    pub from: Date,
    #[arg(long, value_parser = parse_date_arg)]
    pub to: Date,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SpecialDuties {
    /// By the same normatives as import duties.
    Normatives,
    /// Kept by the state that collected them.
    CollectingState,
}

impl SpecialDuties {
    pub fn rule(self) -> tamga_treasury::closing::SpecialDutyRule {
        match self {
            SpecialDuties::Normatives => tamga_treasury::closing::SpecialDutyRule::Normatives,
            SpecialDuties::CollectingState => {
                tamga_treasury::closing::SpecialDutyRule::CollectingState
            }
        }
    }
}

#[derive(Args, Debug)]
pub struct CloseDayArgs {
    /// The member state whose single account it is.
    #[arg(long)]
    pub state: String,
    /// The reporting day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date_arg)]
    pub date: Date,
    /// How special, anti-dumping and countervailing duties are distributed (the legal rule is
    /// in a text not yet read: docs/treasury.md).
    #[arg(long, value_enum, default_value_t = SpecialDuties::Normatives)]
    pub special_duties: SpecialDuties,
    /// The business date (YYYY-MM-DD): a day is closed once it has ended by it. Default: the
    /// system date.
    #[arg(long, env = "TAMGA_TODAY", value_parser = parse_date_arg)]
    pub today: Option<Date>,
    /// How many days before the business date a day may be closed.
    #[arg(long, default_value_t = tamga_treasury::bounds::DEFAULT_WINDOW_DAYS)]
    pub money_date_window_days: u16,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(long)]
    pub state: String,
    #[arg(long, value_parser = parse_date_arg)]
    pub from: Date,
    #[arg(long, value_parser = parse_date_arg)]
    pub to: Date,
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct SplitArgs {
    /// The amount, e.g. 112000.00; a day of net refunds is negative and needs --refund.
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    /// The amount is a day of net refunds: negative, and split as the receipts it reverses.
    #[arg(long)]
    pub refund: bool,
    /// Its currency (ISO 4217): the amount may have as many decimals as the currency's minor unit.
    #[arg(long)]
    pub currency: String,
    /// The receipt day, whose normatives apply (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date_arg)]
    pub date: Date,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Drive a running service over HTTP from this process and report throughput and latency.
    Load(crate::bench_cmd::LoadArgs),
    /// Close days holding many receipts and time it (docs/benchmarks.md).
    CloseDay(crate::bench_cmd::CloseDayBenchArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AssessFormat {
    /// Box 47 per item, then the totals.
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct AssessArgs {
    /// The declaration file, `-` for standard input; with --batch, a JSON Lines file.
    pub input: String,
    #[arg(long, value_enum, default_value_t = AssessFormat::Table)]
    pub format: AssessFormat,
    /// One declaration per line in, one result per line out (JSON), and a summary at the end.
    #[arg(long)]
    pub batch: bool,
    /// With --batch: write each payment's explanation too (the output is then several times
    /// larger and slower to write).
    #[arg(long, requires = "batch")]
    pub explain: bool,
    /// With --batch: only read and validate each declaration, assess nothing, write only the
    /// summary. The baseline of the batch benchmark (docs/benchmarks.md).
    #[arg(long, requires = "batch", hide = true)]
    pub parse_only: bool,
}

#[derive(Subcommand, Debug)]
pub enum TariffCommand {
    /// Show a code: its descriptions, unit and the import duty that applies, with every layer.
    Show(ShowArgs),
    /// Search the nomenclature by words (Russian or English) or by code.
    Search(SearchArgs),
    /// Print the nomenclature tree: sections and chapters, or the lines under a code.
    Tree(TreeArgs),
    /// Validate a bundle directory and report every problem with file:line:column.
    Check(CheckArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct DateArg {
    /// The day of the question, YYYY-MM-DD (default: today).
    #[arg(long, value_parser = parse_date_arg)]
    pub date: Option<Date>,
}

impl DateArg {
    pub fn or_today(&self) -> Date {
        self.date
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date())
    }
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// A commodity code, with or without the printed spaces (`2201 10 110 0`).
    #[arg(value_parser = parse_code_arg)]
    pub code: CommodityCode,
    #[command(flatten)]
    pub date: DateArg,
    /// Country of origin (ISO alpha-2), for preferences and trade remedies.
    #[arg(long, value_parser = parse_country_arg)]
    pub origin: Option<CountryCode>,
    /// Member state of import (ISO alpha-2), for national exemptions.
    #[arg(long, value_parser = parse_country_arg)]
    pub state: Option<CountryCode>,
    /// The importer holds an allocation of a tariff quota: apply the in-quota rate.
    #[arg(long)]
    pub in_quota: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Words or a code.
    pub text: String,
    #[command(flatten)]
    pub date: DateArg,
    /// How many results.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=500))]
    pub limit: u16,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct TreeArgs {
    /// A chapter, heading or subheading code; none prints sections and chapters.
    #[arg(value_parser = parse_prefix_arg)]
    pub prefix: Option<CommodityCode>,
    #[command(flatten)]
    pub date: DateArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The bundle directory.
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn parse_date_arg(text: &str) -> Result<Date, String> {
    parse_date(text).map_err(|e| e.to_string())
}

fn parse_code_arg(text: &str) -> Result<CommodityCode, String> {
    CommodityCode::parse(text).map_err(|e| e.to_string())
}

fn parse_prefix_arg(text: &str) -> Result<CommodityCode, String> {
    CommodityCode::parse_prefix(text).map_err(|e| e.to_string())
}

fn parse_country_arg(text: &str) -> Result<CountryCode, String> {
    CountryCode::parse(&text.to_ascii_uppercase()).map_err(|e| e.to_string())
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let tariff = cli.tariff.as_deref();
    let load = || crate::catalogue::load_snapshot(tariff);
    match cli.command {
        Command::Tariff(TariffCommand::Check(args)) => tariff_cmd::check(&args),
        Command::Tariff(TariffCommand::Show(args)) => tariff_cmd::show(&load()?, &args),
        Command::Tariff(TariffCommand::Search(args)) => tariff_cmd::search(&load()?, &args),
        Command::Tariff(TariffCommand::Tree(args)) => tariff_cmd::tree(&load()?, &args),
        Command::Assess(args) => crate::assess_cmd::run(&load()?, &args),
        Command::Serve(args) => crate::service_cmd::serve(tariff, &args),
        Command::Db(DbCommand::Migrate(db)) => crate::service_cmd::migrate(&db),
        Command::Token(command) => crate::service_cmd::token(tariff, command),
        Command::Audit(AuditCommand::Verify {
            db,
            checkpoints,
            format,
        }) => crate::service_cmd::audit_verify(tariff, &db, checkpoints.as_deref(), format),
        Command::Audit(AuditCommand::Checkpoint { db, append }) => {
            crate::service_cmd::audit_checkpoint(tariff, &db, append.as_deref())
        }
        Command::Bench(BenchCommand::Load(args)) => crate::bench_cmd::load(&args),
        Command::Bench(BenchCommand::CloseDay(args)) => crate::bench_cmd::close_day(load()?, &args),
        Command::Treasury(TreasuryCommand::Split(args)) => {
            crate::treasury_cmd::split(&load()?, &args)
        }
        Command::Treasury(TreasuryCommand::CloseDay(args)) => {
            crate::treasury_cmd::close_day(load()?, &args)
        }
        Command::Treasury(TreasuryCommand::Report(args)) => {
            crate::treasury_cmd::report(load()?, &args)
        }
        Command::Treasury(TreasuryCommand::Reconcile(args)) => {
            crate::treasury_cmd::reconcile(load()?, &args)
        }
        Command::Treasury(TreasuryCommand::Transfers(args)) => {
            crate::treasury_cmd::transfers(load()?, &args)
        }
    }
}
