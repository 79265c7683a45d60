//! The command-line interface: every command and flag. The names here are kith's interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kith",
    version,
    about = "A local-first networking organizer: people, ties, follow-ups and your day",
    long_about = "kith keeps who you know and how, what was said, what each side gave and got, \
                  the follow-ups you promised, and your day's events and tasks. Data lives in a \
                  SQLite file (default) or a PostgreSQL database.",
    after_help = "Dates: 2026-12-03, 2026-12-03 09:00, today, tomorrow, fri, next monday, in 3d, 2w, 14:30, \"yesterday 12:30\".\n\
                  References: a person is `me`, an email, an id prefix or part of the name.\n\
                  Environment: KITH_DB (database), TZ (time zone), KITH_NOW (fix \"now\", RFC 3339), KITH_SETTINGS (settings file), NO_COLOR."
)]
pub struct Cli {
    /// The database: a SQLite file path or a postgres:// URL [default: kith.db in the XDG data dir]
    #[arg(long, global = true, env = "KITH_DB", value_name = "PATH|URL")]
    pub db: Option<String>,

    /// Print JSON instead of tables (field names: docs/cli-json.md)
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, show, edit and remove people
    #[command(subcommand, visible_alias = "p")]
    Person(PersonCmd),
    /// Add, list, show, edit and remove organizations
    #[command(subcommand)]
    Org(OrgCmd),
    /// Record who knows whom
    #[command(subcommand)]
    Tie(TieCmd),
    /// Record an interaction: a meeting, call, lunch… with what you gave and got
    Log(LogArgs),
    /// Leave a follow-up hook on a person: a task tied to them, due soon
    Hook(HookArgs),
    /// Tasks: add, list, done, edit, remove
    #[command(subcommand, visible_alias = "t")]
    Task(TaskCmd),
    /// Projects that group tasks
    #[command(subcommand)]
    Project(ProjectCmd),
    /// Conferences, meetups, lunches, webinars and other events
    #[command(subcommand, visible_alias = "e")]
    Event(EventCmd),
    /// What is due, overdue and scheduled today and the next days
    Agenda(AgendaArgs),
    /// Search people, organizations, notes, interactions, tasks and events
    Search(SearchArgs),
    /// Who changed what, when, on a record
    History(HistoryArgs),
    /// Your own profile: the person who stands for you
    #[command(subcommand)]
    Me(MeCmd),
    /// Relationships going cold, most urgent first, with a suggested next step
    Reconnect(crate::intel_cmd::ReconnectArgs),
    /// The reciprocity ledger: what you gave and got, overall or with one person
    Ledger(crate::intel_cmd::LedgerArgs),
    /// Suggested introductions, or what you and your network can offer one person
    Match(crate::intel_cmd::MatchArgs),
    /// Warm introduction chains from you to a person or an organization
    Path(crate::intel_cmd::PathArgs),
    /// Your contacts by importance, each part of the score shown
    Rank(crate::intel_cmd::RankArgs),
    /// A meeting brief for a person or an event (Markdown, or --json)
    Brief(crate::intel_cmd::BriefArgs),
    /// The day (or week): events, what is due, and reconnects in the free slots
    Plan(crate::intel_cmd::PlanArgs),
    /// After an event: log the meeting with each person met and leave hooks, in one go
    Debrief(crate::intel_cmd::DebriefArgs),
    /// What is due now and soon; exit status 10 when something is, 0 when nothing is
    Remind(crate::intel_cmd::RemindArgs),
    /// The settings in effect (cadences, working hours, plan slots, warmth weights) and where
    /// the file is: KITH_SETTINGS, else settings.toml in the XDG config dir
    Settings,
    /// Bring people in from vCard or CSV files, or restore a kith backup
    #[command(subcommand)]
    Import(ImportCmd),
    /// Write people out as vCard, or everything as a kith backup
    #[command(subcommand)]
    Export(ExportCmd),
    /// Find people recorded twice (same email, phone, LinkedIn profile or name)
    Dedupe(DedupeArgs),
    /// Merge the second person into the first: every item, role, tie, interaction, exchange
    /// and task moves over; the first person's fields win, the second fills gaps
    Merge(MergeArgs),
    /// Run the team server: the REST API (and web pages) over this database
    Serve(kith_server::ServeArgs),
    /// Accounts of the team server
    #[command(subcommand)]
    User(kith_server::admin::UserCmd),
    /// API tokens for scripts and the CLI against the team server
    #[command(subcommand)]
    Token(kith_server::admin::TokenCmd),
    /// Workspaces of the team server: add, list, rename or delete team workspaces
    #[command(subcommand)]
    Workspace(kith_server::admin::WorkspaceCmd),
    /// Print shell completions
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Write the man pages (kith.1 and one per command) into a directory
    Man {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Developer tools
    #[command(subcommand)]
    Dev(DevCmd),
}

/// Fields shared by `person add`, `person edit` and `me edit`.
#[derive(Debug, Args, Default)]
pub struct PersonFields {
    /// Email address (repeat for several)
    #[arg(long = "email", value_name = "EMAIL")]
    pub emails: Vec<String>,
    /// Phone number (repeat for several)
    #[arg(long = "phone", value_name = "PHONE")]
    pub phones: Vec<String>,
    /// Postal address (repeat for several)
    #[arg(long = "address", value_name = "TEXT")]
    pub addresses: Vec<String>,
    /// Web link: LinkedIn, site, socials (repeat for several)
    #[arg(long = "link", value_name = "URL")]
    pub links: Vec<String>,
    /// Current organization (created if new)
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Job title at the organization
    #[arg(long)]
    pub title: Option<String>,
    /// Networking type: operational, personal or strategic
    #[arg(long = "type", value_name = "TYPE")]
    pub net_type: Option<String>,
    /// Tier: A (most important) to D
    #[arg(long)]
    pub tier: Option<String>,
    /// Tag (repeat for several)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// How or where you met ("ProductConf 2026", "intro from Ann")
    #[arg(long, value_name = "TEXT")]
    pub met: Option<String>,
    /// Where you met
    #[arg(long = "met-where", value_name = "PLACE")]
    pub met_where: Option<String>,
    /// When you met
    #[arg(long = "met-on", value_name = "DATE")]
    pub met_on: Option<String>,
    /// What they are looking for (repeat for several)
    #[arg(long = "needs", value_name = "NEED")]
    pub needs: Vec<String>,
    /// What they can help with (repeat for several)
    #[arg(long = "offers", value_name = "OFFER")]
    pub offers: Vec<String>,
    /// Birthday: 1990-04-12, or 04-12 without the year
    #[arg(long)]
    pub birthday: Option<String>,
    /// Keep-in-touch cadence, overriding the tier's default: 2w, 1mo, 90d
    #[arg(long, value_name = "SPAN")]
    pub cadence: Option<String>,
    /// Notes
    #[arg(long = "note", value_name = "TEXT")]
    pub notes: Option<String>,
    /// Custom field (repeat for several)
    #[arg(long = "field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum PersonCmd {
    /// Add a person
    #[command(visible_alias = "new")]
    Add {
        /// Full name as you say it
        name: String,
        #[command(flatten)]
        fields: PersonFields,
    },
    /// List people, filtered
    #[command(visible_alias = "ls")]
    List(PersonListArgs),
    /// Show everything about a person
    Show {
        /// `me`, an email, an id prefix or part of the name
        person: String,
    },
    /// Change a person
    Edit {
        person: String,
        /// New full name
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: PersonFields,
        #[command(flatten)]
        removals: Removals,
    },
    /// Remove a person (their history is kept)
    #[command(visible_alias = "remove")]
    Rm { person: String },
}

/// What `edit` can take away.
#[derive(Debug, Args, Default)]
pub struct Removals {
    /// Remove a tag
    #[arg(long = "untag", value_name = "TAG")]
    pub untag: Vec<String>,
    /// Remove an email
    #[arg(long = "remove-email", value_name = "EMAIL")]
    pub remove_emails: Vec<String>,
    /// Remove a phone number
    #[arg(long = "remove-phone", value_name = "PHONE")]
    pub remove_phones: Vec<String>,
    /// Remove a need
    #[arg(long = "remove-need", value_name = "NEED")]
    pub remove_needs: Vec<String>,
    /// Remove an offer
    #[arg(long = "remove-offer", value_name = "OFFER")]
    pub remove_offers: Vec<String>,
    /// End the current role at this organization (they left)
    #[arg(long = "left", value_name = "ORG")]
    pub left: Option<String>,
}

#[derive(Debug, Args)]
pub struct PersonListArgs {
    /// Only people with this tag
    #[arg(long)]
    pub tag: Option<String>,
    /// Only this tier
    #[arg(long)]
    pub tier: Option<String>,
    /// Only this networking type
    #[arg(long = "type", value_name = "TYPE")]
    pub net_type: Option<String>,
    /// Only people at this organization
    #[arg(long)]
    pub org: Option<String>,
    /// Only names containing this text
    #[arg(long)]
    pub name: Option<String>,
    /// Show at most N people
    #[arg(long, default_value_t = 200)]
    pub limit: usize,
    /// Show everyone (no limit)
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// Add an organization
    Add {
        name: String,
        /// Web domain, e.g. acme.example
        #[arg(long)]
        domain: Option<String>,
        #[arg(long = "note")]
        notes: Option<String>,
        #[arg(long = "tag")]
        tags: Vec<String>,
    },
    /// List organizations
    #[command(visible_alias = "ls")]
    List,
    /// Show an organization and its people
    Show { org: String },
    /// Change an organization
    Edit {
        org: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        domain: Option<String>,
        #[arg(long = "note")]
        notes: Option<String>,
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[arg(long = "untag")]
        untag: Vec<String>,
    },
    /// Remove an organization
    #[command(visible_alias = "remove")]
    Rm { org: String },
}

#[derive(Debug, Subcommand)]
pub enum TieCmd {
    /// Record that two people know each other (`me` is you)
    Add {
        a: String,
        b: String,
        /// colleague, friend, family, introduced-by, former-colleague, client, mentor, other
        #[arg(long, default_value = "other")]
        kind: String,
        /// How strong, 1 (weak) to 5 (strong)
        #[arg(long, default_value_t = 3)]
        strength: i64,
        /// Since when
        #[arg(long)]
        since: Option<String>,
        /// Where this knowledge comes from
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// List ties, of one person or all
    #[command(visible_alias = "ls")]
    List { person: Option<String> },
    /// Remove the tie between two people
    #[command(visible_alias = "remove")]
    Rm { a: String, b: String },
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Who it was with (one or more)
    #[arg(required = true, value_name = "PERSON")]
    pub people: Vec<String>,
    /// meeting, call, video, email, message, lunch, coffee, event, intro, other
    #[arg(long, default_value = "meeting")]
    pub kind: String,
    /// When it happened [default: now]
    #[arg(long)]
    pub at: Option<String>,
    /// A one-line summary
    #[arg(long)]
    pub summary: Option<String>,
    /// What was said
    #[arg(long = "note", value_name = "TEXT")]
    pub notes: Option<String>,
    /// What you gave: "intro to Bob", or "KIND: text" (repeat for several)
    #[arg(long, value_name = "TEXT")]
    pub gave: Vec<String>,
    /// What you got: "advice on hiring", or "KIND: text" (repeat for several)
    #[arg(long, value_name = "TEXT")]
    pub got: Vec<String>,
    /// How much the exchanges weigh, 1 to 3
    #[arg(long, default_value_t = 1)]
    pub weight: i64,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    /// Who the follow-up is for
    pub person: String,
    /// What to do ("send the ProductConf recording")
    pub title: String,
    /// More people it concerns
    #[arg(long = "with", value_name = "PERSON")]
    pub with: Vec<String>,
    /// When it is due [default: in 3d]
    #[arg(long, default_value = "in 3d")]
    pub due: String,
    /// Remind this long before it is due (repeat for several)
    #[arg(long = "remind", value_name = "SPAN")]
    pub reminders: Vec<String>,
    #[arg(long = "note", value_name = "TEXT")]
    pub notes: Option<String>,
}

#[derive(Debug, Args, Default)]
pub struct TaskFields {
    /// When it is due
    #[arg(long)]
    pub due: Option<String>,
    /// Project (created if new)
    #[arg(long)]
    pub project: Option<String>,
    /// Priority 0 (none) to 3 (high)
    #[arg(long)]
    pub priority: Option<i64>,
    /// People it concerns (repeat for several)
    #[arg(long = "person", value_name = "PERSON")]
    pub people: Vec<String>,
    /// Repeat: daily, weekly, monthly, yearly, every-N-days
    #[arg(long = "repeat", value_name = "RULE")]
    pub recurrence: Option<String>,
    /// Remind this long before it is due (repeat for several)
    #[arg(long = "remind", value_name = "SPAN")]
    pub reminders: Vec<String>,
    #[arg(long = "note", value_name = "TEXT")]
    pub notes: Option<String>,
    /// Assign it to a coworker: the email of a user of this database (`kith user add`)
    #[arg(long = "assign", value_name = "EMAIL")]
    pub assign: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    /// Add a task
    #[command(visible_alias = "new")]
    Add {
        title: String,
        #[command(flatten)]
        fields: TaskFields,
    },
    /// List tasks (open ones by default)
    #[command(visible_alias = "ls")]
    List {
        /// Include done and cancelled tasks
        #[arg(long)]
        all: bool,
        /// Only done tasks
        #[arg(long, conflicts_with = "all")]
        done: bool,
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        person: Option<String>,
        /// Only hooks (follow-ups on people)
        #[arg(long)]
        hooks: bool,
    },
    /// Mark a task done (a repeating task moves to its next date)
    Done { task: String },
    /// Change a task
    Edit {
        task: String,
        #[arg(long)]
        title: Option<String>,
        /// open, done or cancelled
        #[arg(long)]
        status: Option<String>,
        /// Remove the due date
        #[arg(long, conflicts_with = "due")]
        no_due: bool,
        /// Assign it to no one
        #[arg(long, conflicts_with = "assign")]
        unassign: bool,
        #[command(flatten)]
        fields: TaskFields,
    },
    /// Remove a task
    #[command(visible_alias = "remove")]
    Rm { task: String },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCmd {
    /// Add a project
    Add {
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// List projects
    #[command(visible_alias = "ls")]
    List,
    /// Show a project and its tasks
    Show { project: String },
}

#[derive(Debug, Args, Default)]
pub struct EventFields {
    /// conference, seminar, training, meetup, forum, exhibition, coffee, lunch, webinar,
    /// online-group, charity, visit, other
    #[arg(long)]
    pub kind: Option<String>,
    /// When it starts
    #[arg(long)]
    pub at: Option<String>,
    /// When it ends [default: an hour after the start]
    #[arg(long)]
    pub until: Option<String>,
    /// Time zone of the event, e.g. Europe/Prague [default: yours]
    #[arg(long)]
    pub tz: Option<String>,
    /// Where: a place
    #[arg(long = "where", value_name = "PLACE")]
    pub place: Option<String>,
    /// Where: a link for online events
    #[arg(long)]
    pub link: Option<String>,
    /// Who will be there (repeat for several)
    #[arg(long = "attendee", value_name = "PERSON")]
    pub attendees: Vec<String>,
    /// What you want out of it
    #[arg(long)]
    pub goals: Option<String>,
    /// Preparation notes
    #[arg(long)]
    pub prep: Option<String>,
    /// Notes afterwards
    #[arg(long)]
    pub debrief: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum EventCmd {
    /// Add an event
    #[command(visible_alias = "new")]
    Add {
        title: String,
        #[command(flatten)]
        fields: EventFields,
    },
    /// List events (upcoming by default)
    #[command(visible_alias = "ls")]
    List {
        /// Include past events
        #[arg(long)]
        all: bool,
    },
    /// Show an event
    Show { event: String },
    /// Change an event
    Edit {
        event: String,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: EventFields,
        /// Remove an attendee
        #[arg(long = "remove-attendee", value_name = "PERSON")]
        remove_attendees: Vec<String>,
    },
    /// Remove an event
    #[command(visible_alias = "remove")]
    Rm { event: String },
}

#[derive(Debug, Args)]
pub struct AgendaArgs {
    /// How many days to show, from today
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Start on another day
    #[arg(long)]
    pub from: Option<String>,
    /// How many overdue tasks and hooks to list, the most recently due; the rest are counted
    #[arg(long, value_name = "N|all", default_value = "20", value_parser = parse_overdue)]
    pub overdue: Keep,
}

/// How many of something to keep: a count, or all (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep(pub Option<usize>);

/// `--overdue`: a count, or `all`.
fn parse_overdue(s: &str) -> Result<Keep, String> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(Keep(None));
    }
    s.parse().map(|n| Keep(Some(n))).map_err(|_| format!("`{s}` is not a number or `all`"))
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find (all must match; each as a word start)
    #[arg(required = true)]
    pub words: Vec<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A person, organization, event, task or project
    pub record: String,
    /// Which kind of record the reference names: person, org, event, task, project
    #[arg(long)]
    pub kind: Option<String>,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once per process; boxing buys nothing")]
pub enum MeCmd {
    /// Show your profile
    Show,
    /// Set up or change your profile
    Edit {
        /// Your name
        #[arg(long)]
        name: Option<String>,
        /// Your pitch: who you are and what you do, in a sentence or two
        #[arg(long)]
        pitch: Option<String>,
        /// A strength of yours (repeat for several)
        #[arg(long = "strength", value_name = "TEXT")]
        strengths: Vec<String>,
        #[command(flatten)]
        fields: PersonFields,
    },
    /// Your business card: your vCard, or a QR code of it to exchange contacts at an event
    Card {
        /// A QR code instead of the vCard: `terminal` (drawn with characters), `svg` or `png` (with
        /// --out); `--out card.png` or `card.svg` alone picks the format by the extension
        #[arg(long, value_name = "FORMAT")]
        qr: Option<String>,
        /// Write to a file instead of stdout
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevCmd {
    /// Fill the database with a realistic synthetic network (deterministic for a seed)
    Seed {
        #[arg(long, default_value_t = 1000)]
        people: usize,
        /// Average ties per person (degrees follow a power law)
        #[arg(long = "ties-per-person", default_value_t = 8)]
        ties_per_person: usize,
        #[arg(long, default_value_t = 10000)]
        interactions: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print N synthetic vCards (3.0, as phones write them) for import benchmarks
    Vcards {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print a synthetic LinkedIn Connections.csv of N rows for import benchmarks
    LinkedinCsv {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Flags every contact import takes.
#[derive(Debug, Args, Default)]
pub struct ImportOpts {
    /// Read and match, report what would change, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Keep the good records when some are bad (default: a bad record imports nothing)
    #[arg(long)]
    pub partial: bool,
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// vCard files (2.1, 3.0, 4.0) from phones, Apple, Google, Outlook, Nextcloud…
    Vcard {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// A CSV file: LinkedIn Connections.csv, Google Contacts, Outlook, or any with --map
    Csv {
        file: PathBuf,
        /// linkedin, google, outlook or auto (from the header)
        #[arg(long, default_value = "auto")]
        format: String,
        /// Read a column into a field: "E-mail=email" (name, given, family, email, phone,
        /// address, link, org, title, birthday, notes, tags, met-on, met-how; repeat)
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// A backup written by `kith export json`: every record and its history
    Json { file: PathBuf },
    /// Events from an iCalendar file (a calendar export, a conference agenda); attendees
    /// become people, matched to those already known
    Ics {
        file: PathBuf,
        #[command(flatten)]
        opts: ImportOpts,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Everyone as vCard (to stdout unless --out or --dir)
    Vcard {
        /// vCard version: 4 or 3
        #[arg(long, default_value_t = 4)]
        version: u8,
        /// Write one file with every card
        #[arg(long, conflicts_with = "dir")]
        out: Option<PathBuf>,
        /// Write one file per person into this directory
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Everything, with its history, as a versioned backup (the operation log, one per line)
    Json {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Events (VEVENT) and tasks and hooks (VTODO, reminders as VALARM) as iCalendar
    Ics {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct DedupeArgs {
    /// Merge the sure duplicates (same email or LinkedIn profile, or same phone without
    /// differing emails); the oldest record is kept
    #[arg(long)]
    pub apply: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The person to keep
    pub keep: String,
    /// The person merged into them and removed
    pub other: String,
}
