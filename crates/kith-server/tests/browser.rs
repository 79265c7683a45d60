//! The web app in a real browser: headless Chromium driven over WebDriver (`chromedriver`,
//! started here on a free port) against the real server on 127.0.0.1:0, on a fresh SQLite file
//! and on a fresh PostgreSQL schema. Nothing sleeps: every step waits for an element or a
//! condition, with a timeout.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! tests are skipped with a notice, except with `CI=true`, where they fail.

#[path = "../../kith-store/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use kith_server::{AppState, Config, auth};
use kith_store::accounts::Role;
use kith_store::{Location, Store};
use serde_json::json;

/// How long any one step may take before the test fails.
const STEP: Duration = Duration::from_secs(20);

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The real server on 127.0.0.1:0, on its own runtime thread.
struct Server {
    base: String,
    location: Location,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _db: Box<dyn std::any::Any>,
}

impl Server {
    fn start(location: Location, keep: Box<dyn std::any::Any>) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        listener.set_nonblocking(true).expect("nonblocking");
        let state = AppState::new(location.clone(), Config::default()).expect("open the database");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                kith_server::serve(listener, state, async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            });
        });
        Server { base: format!("http://{addr}"), location, stop: Some(stop), thread: Some(thread), _db: keep }
    }

    fn sqlite() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::Sqlite(dir.path().join("kith.db"));
        Server::start(location, Box::new(dir))
    }

    fn postgres() -> Option<Server> {
        let db = common::postgres()?;
        let location = db.location.clone();
        Some(Server::start(location, Box::new(db)))
    }

    /// Add an account with a role; returns its password.
    fn user(&self, email: &str, name: &str, role: Role) -> String {
        let password = format!("pw-{email}-long-enough");
        let hash = auth::hash_password(&password).unwrap();
        Store::open(&self.location).unwrap().add_user(email, name, Some(&hash), role, 0).unwrap();
        password
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `chromedriver` on a free loopback port, stopped on drop.
struct Driver {
    url: String,
    child: Child,
}

impl Driver {
    /// `None` when chromedriver is not installed (outside CI).
    fn start() -> Option<Driver> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            l.local_addr().expect("address").port()
        };
        let spawned = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg("--log-level=SEVERE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !in_ci() => {
                eprintln!(
                    "note: chromedriver is not installed (apt-get install chromium chromium-driver); browser tests skipped"
                );
                return None;
            }
            Err(e) => panic!("cannot start chromedriver: {e}"),
        };
        // It says when it listens; read until then, then keep draining so it never blocks.
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        loop {
            line.clear();
            let n = out.read_line(&mut line).expect("chromedriver output");
            assert!(n > 0, "chromedriver exited before it started listening");
            if line.contains("started successfully") {
                break;
            }
        }
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Some(Driver { url: format!("http://127.0.0.1:{port}"), child })
    }

    /// A new headless Chromium session.
    async fn browser(&self) -> Client {
        let mut args = vec!["--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"];
        // Root (CI, containers) cannot use Chromium's sandbox.
        if std::env::var("USER").is_ok_and(|u| u == "root") || is_root() {
            args.push("--no-sandbox");
        }
        let mut options = json!({ "args": args });
        if std::path::Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector).capabilities(caps).connect(&self.url).await.expect("a Chromium session")
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wait until an element matching the XPath is there; fail with the page's source if not.
async fn wait_for(c: &Client, xpath: &str) -> fantoccini::elements::Element {
    match c.wait().at_most(STEP).for_element(Locator::XPath(xpath)).await {
        Ok(e) => e,
        Err(e) => {
            let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let source = c.source().await.unwrap_or_default();
            panic!("waited {STEP:?} for {xpath} at {url}: {e}\n{source}");
        }
    }
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
    e.clear().await.expect("clear");
    e.send_keys(text).await.unwrap_or_else(|e| panic!("typing into {css}: {e}"));
}

/// Click the element the XPath finds. A page still being replaced by the one a form or link
/// asked for can hold a match that is gone by the time of the click (a stale element): then
/// the element is looked for again on the page that came, for up to [`STEP`].
async fn click(c: &Client, xpath: &str) {
    let start = std::time::Instant::now();
    loop {
        match wait_for(c, xpath).await.click().await {
            Ok(()) => return,
            Err(e) if e.is_stale_element_reference() && start.elapsed() < STEP => continue,
            Err(e) => panic!("clicking {xpath}: {e}"),
        }
    }
}

/// The page's layout viewport width and the width of its content: no sideways scrolling when
/// the second is not larger.
async fn widths(c: &Client) -> (i64, i64) {
    let v = c
        .execute("return [document.documentElement.clientWidth, document.documentElement.scrollWidth];", vec![])
        .await
        .expect("script");
    (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0))
}

async fn sign_in(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/")).await.expect("open the app");
    // Not signed in: the app sends the browser to the sign-in form.
    wait_for(c, "//h1[normalize-space()='Sign in to kith']").await;
    fill(c, "#email", email).await;
    fill(c, "#password", password).await;
    click(c, "//button[normalize-space()='Sign in']").await;
    wait_for(c, "//h1[normalize-space()='Today']").await;
}

/// Sign in, add a person, log a lunch with a gave and a got from a phone-sized window, and see
/// it on the today page.
fn add_person_and_log_a_lunch_on_a_phone(server: Server, driver: Driver, rt: &tokio::runtime::Runtime) {
    // Store work (the blocking PostgreSQL client) stays outside the async runtime.
    let password = server.user("ann@team.example", "Ann Example", Role::Member);
    rt.block_on(lunch(&server, &driver, &password));
}

async fn lunch(server: &Server, driver: &Driver, password: &str) {
    let c = driver.browser().await;
    sign_in(&c, &server.base, "ann@team.example", password).await;

    // Add a person from the people page.
    click(&c, "//nav//a[normalize-space()='People']").await;
    wait_for(&c, "//h1[normalize-space()='People']").await;
    click(&c, "//a[normalize-space()='Add a person']").await;
    wait_for(&c, "//h1[normalize-space()='Add a person']").await;
    fill(&c, "#name", "Zoë <Quinn>").await;
    fill(&c, "#email", "zoe@quinn.example").await;
    fill(&c, "#org", "Q&A Labs").await;
    c.find(Locator::Css("#tier")).await.expect("tier").select_by_value("A").await.expect("choose tier A");
    click(&c, "//button[normalize-space()='Add the person']").await;
    // The person's page, with the name as typed (escaped by the server, shown as text).
    wait_for(&c, "//h1[normalize-space()='Zoë <Quinn>']").await;
    let person_url = c.current_url().await.expect("url").to_string();
    assert!(person_url.contains("/people/"), "{person_url}");

    // Now on a phone: 375 × 812.
    c.set_window_size(375, 812).await.expect("resize");
    c.goto(&person_url).await.expect("reload on the phone");
    wait_for(&c, "//h2[normalize-space()='Log an interaction']").await;
    let (viewport, content) = widths(&c).await;
    assert!(viewport <= 375, "the window is phone-sized: {viewport}");
    assert!(content <= viewport, "no sideways scrolling on the person page at {viewport}px: {content}");
    c.find(Locator::Css("#kind")).await.expect("kind").select_by_value("lunch").await.expect("choose lunch");
    fill(&c, "#note", "talked about hiring").await;
    fill(&c, "#gave", "advice: pricing").await;
    fill(&c, "#got", "intro: Bob").await;
    click(&c, "//button[normalize-space()='Log it']").await;
    // Back on the person page: the lunch is in the timeline with what went each way.
    wait_for(&c, "//section[@aria-labelledby='timeline']//li[contains(., 'lunch') and contains(., 'advice: pricing') and contains(., 'intro: Bob')]").await;
    wait_for(&c, "//section[@aria-labelledby='ledger']//p[contains(., 'Gave 1, got 1')]").await;

    // A private note, by keyboard: Tab from the last field reaches the labelled box, with a
    // focus ring; Space ticks it; the timeline marks the note as private to its author.
    fill(&c, "#note", "a private coffee note").await;
    c.find(Locator::Css("#got")).await.expect("got").send_keys("\u{E004}").await.expect("Tab");
    let focused = c
        .execute(
            "const e = document.activeElement; \
             return [e.id, e.labels.length ? e.labels[0].textContent : '', getComputedStyle(e).outlineStyle];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(focused, json!(["private_note", "Private note — only you see it", "solid"]), "{focused}");
    c.active_element().await.expect("the box").send_keys(" ").await.expect("Space");
    let ticked = c.execute("return document.getElementById('private_note').checked;", vec![]).await.expect("script");
    assert_eq!(ticked, json!(true), "Space ticks the box");
    let (viewport, content) = widths(&c).await;
    assert!(content <= viewport, "no sideways scrolling with the box at {viewport}px: {content}");
    click(&c, "//button[normalize-space()='Log it']").await;
    wait_for(
        &c,
        "//section[@aria-labelledby='timeline']//li[contains(., 'a private coffee note')]/span[@class='private' and normalize-space()='Private']",
    )
    .await;

    // Today shows it, still on the phone, without sideways scrolling.
    click(&c, "//nav//a[normalize-space()='Today']").await;
    wait_for(&c, "//h1[normalize-space()='Today']").await;
    let logged = wait_for(
        &c,
        "//section[@aria-labelledby='logged']//li[contains(., 'lunch') and contains(., 'Zoë <Quinn>') and contains(., 'advice: pricing')]",
    )
    .await;
    // The name links to the person.
    let link = logged.find(Locator::Css("a")).await.expect("a link to the person");
    assert_eq!(link.attr("href").await.expect("href").as_deref(), person_url.strip_prefix(&server.base));
    let (viewport, content) = widths(&c).await;
    assert!(content <= viewport, "no sideways scrolling on today at {viewport}px: {content}");

    // Keyboard: the first Tab lands on the first link of the menu, and it shows a focus ring.
    c.execute("document.activeElement && document.activeElement.blur();", vec![]).await.expect("blur");
    c.find(Locator::Css("body")).await.expect("body").send_keys("\u{E004}").await.expect("Tab");
    let focused = c
        .execute("const e = document.activeElement; return [e.textContent, getComputedStyle(e).outlineStyle];", vec![])
        .await
        .expect("script");
    assert_eq!(focused[0], json!("Today"), "Tab goes to the menu first: {focused}");
    assert_eq!(focused[1], json!("solid"), "the focused link shows a ring: {focused}");

    c.close().await.expect("close the browser");
}

/// Ann, at her desk, adds a task for her coworker Bob; Bob signs in on his phone and finds it on
/// today and among his tasks, then marks it done from there.
fn assign_a_task_to_a_coworker(server: Server, driver: Driver, rt: &tokio::runtime::Runtime) {
    let ann = server.user("ann@team.example", "Ann Example", Role::Member);
    let bob = server.user("bob@team.example", "Bob Coworker", Role::Member);
    rt.block_on(assign(&server, &driver, &ann, &bob));
}

async fn assign(server: &Server, driver: &Driver, ann_pw: &str, bob_pw: &str) {
    let c = driver.browser().await;
    sign_in(&c, &server.base, "ann@team.example", ann_pw).await;
    click(&c, "//nav//a[normalize-space()='Tasks']").await;
    wait_for(&c, "//h2[normalize-space()='Add a task']").await;
    fill(&c, "#title", "Send Priya the deck").await;
    fill(&c, "#due", "today").await;
    c.find(Locator::Css("#task-assignee"))
        .await
        .expect("assign to")
        .select_by_value("bob@team.example")
        .await
        .expect("choose Bob");
    click(&c, "//button[normalize-space()='Add the task']").await;
    wait_for(
        &c,
        "//ul[@class='tasks']/li[contains(., 'Send Priya the deck') and contains(., 'assigned to Bob Coworker')]",
    )
    .await;
    // Ann's own plan leaves it to Bob.
    click(&c, "//nav//a[normalize-space()='Today']").await;
    let plan = wait_for(&c, "//section[@aria-labelledby='plan']").await;
    assert!(!plan.text().await.expect("plan text").contains("Send Priya the deck"), "not in Ann's plan");
    c.close().await.expect("close Ann's browser");

    // Bob, on his phone.
    let c = driver.browser().await;
    c.set_window_size(375, 812).await.expect("resize");
    sign_in(&c, &server.base, "bob@team.example", bob_pw).await;
    wait_for(&c, "//section[@aria-labelledby='plan']//*[contains(., 'Send Priya the deck')]").await;
    click(&c, "//nav//a[normalize-space()='Tasks']").await;
    wait_for(&c, "//h1[normalize-space()='Tasks']").await;
    c.find(Locator::Css("#assignee")).await.expect("assigned to").select_by_value("me").await.expect("choose me");
    click(&c, "//button[normalize-space()='Show']").await;
    // The unfiltered list holds the same task: wait for the filtered page itself, whose form
    // the server drew with "Me" chosen (a choice made in the browser sets no attribute).
    wait_for(&c, "//select[@id='assignee']/option[@value='me' and @selected]").await;
    wait_for(
        &c,
        "//ul[@class='tasks']/li[contains(., 'Send Priya the deck') and contains(., 'assigned to Bob Coworker')]",
    )
    .await;
    let (viewport, content) = widths(&c).await;
    assert!(content <= viewport, "no sideways scrolling on tasks at {viewport}px: {content}");
    click(&c, "//button[@aria-label='Done: Send Priya the deck']").await;
    wait_for(&c, "//h1[normalize-space()='Tasks']").await;
    wait_for(&c, "//p[normalize-space()='No tasks.']").await;
    c.close().await.expect("close Bob's browser");
}

/// A test with its server and a running chromedriver; skipped when there is none (outside CI).
fn run(test: fn(Server, Driver, &tokio::runtime::Runtime), server: Server) {
    let Some(driver) = Driver::start() else { return };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    test(server, driver, &rt);
}

#[test]
fn sqlite_add_a_person_and_log_a_lunch_on_a_phone() {
    run(add_person_and_log_a_lunch_on_a_phone, Server::sqlite());
}

#[test]
fn postgres_add_a_person_and_log_a_lunch_on_a_phone() {
    let Some(server) = Server::postgres() else { return };
    run(add_person_and_log_a_lunch_on_a_phone, server);
}

#[test]
fn sqlite_assign_a_task_to_a_coworker() {
    run(assign_a_task_to_a_coworker, Server::sqlite());
}

#[test]
fn postgres_assign_a_task_to_a_coworker() {
    let Some(server) = Server::postgres() else { return };
    run(assign_a_task_to_a_coworker, server);
}

// ---------------------------------------------------------------------------------------------
// Settings, projects and import pages (issue 5, parts 2 and 7)

/// On a phone: create a token in settings, add a project, import a vCard file through the real
/// file input (Chromium's own multipart encoding) and wait for the summary; no page scrolls
/// sideways.
fn settings_projects_and_import_on_a_phone(server: Server, driver: Driver, rt: &tokio::runtime::Runtime) {
    let password = server.user("olu@team.example", "Olu Owner", Role::Owner);
    rt.block_on(settings_projects_import(&server, &driver, &password));
}

async fn no_sideways_scrolling(c: &Client, what: &str) {
    let (viewport, content) = widths(c).await;
    assert!(viewport <= 375, "the window is phone-sized: {viewport}");
    assert!(content <= viewport, "no sideways scrolling on {what} at {viewport}px: {content}");
}

async fn settings_projects_import(server: &Server, driver: &Driver, password: &str) {
    let c = driver.browser().await;
    sign_in(&c, &server.base, "olu@team.example", password).await;
    c.set_window_size(375, 812).await.expect("resize");

    click(&c, "//nav//a[normalize-space()='Settings']").await;
    wait_for(&c, "//h1[normalize-space()='Settings']").await;
    wait_for(&c, "//section[@aria-labelledby='card']//*[local-name()='svg']").await;
    wait_for(&c, "//h2[normalize-space()='Members and roles']").await;
    no_sideways_scrolling(&c, "settings").await;
    fill(&c, "#token-name", "phone script").await;
    click(&c, "//button[normalize-space()='Create a token']").await;
    let shown = wait_for(&c, "//code[@class='token']").await.text().await.expect("the token");
    assert!(shown.starts_with("kith_") && shown.len() == 69, "{shown}");
    no_sideways_scrolling(&c, "settings with a new token").await;

    // A new team workspace from settings: the session moves into it, the header names it.
    fill(&c, "#ws-new-name", "Phone team").await;
    click(&c, "//button[normalize-space()='Create the workspace']").await;
    wait_for(&c, "//p[@role='status' and contains(., 'The workspace is made')]").await;
    wait_for(&c, "//span[@id='ws-name' and normalize-space()='Phone team']").await;
    no_sideways_scrolling(&c, "settings with the workspace switcher").await;
    // Back to the first team workspace with the header's switcher, by keyboard-reachable controls.
    c.find(Locator::Css("#ws-switch option:first-child"))
        .await
        .expect("the first workspace")
        .click()
        .await
        .expect("pick");
    click(&c, "//form[@action='/workspace']//button[normalize-space()='Switch']").await;
    wait_for(&c, "//span[@id='ws-name' and normalize-space()='team']").await;

    click(&c, "//nav//a[normalize-space()='Projects']").await;
    wait_for(&c, "//h1[normalize-space()='Projects']").await;
    fill(&c, "#name", "Phone <launch>").await;
    click(&c, "//button[normalize-space()='Add the project']").await;
    wait_for(&c, "//h1[normalize-space()='Phone <launch>']").await;
    no_sideways_scrolling(&c, "a project").await;

    click(&c, "//nav//a[normalize-space()='Import']").await;
    wait_for(&c, "//h1[normalize-space()='Import contacts']").await;
    no_sideways_scrolling(&c, "import").await;
    let file = format!("{}/../../testdata/samples/vcard/apple-ios.vcf", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::canonicalize(file).expect("the sample");
    c.find(Locator::Css("#file")).await.expect("file input").send_keys(&file.to_string_lossy()).await.expect("file");
    click(&c, "//button[normalize-space()='Import']").await;
    // The progress page refreshes itself until the summary is there.
    wait_for(&c, "//p[@role='status' and normalize-space()='Imported.']").await;
    wait_for(&c, "//dl[@class='summary']/dt[.='Created']/following-sibling::dd[1][.='2']").await;
    no_sideways_scrolling(&c, "the import summary").await;
    c.close().await.expect("close the browser");
}

#[test]
fn sqlite_settings_projects_and_import_on_a_phone() {
    run(settings_projects_and_import_on_a_phone, Server::sqlite());
}

#[test]
fn postgres_settings_projects_and_import_on_a_phone() {
    let Some(server) = Server::postgres() else { return };
    run(settings_projects_and_import_on_a_phone, server);
}
