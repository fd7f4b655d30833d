//! `salal-registry`: the command line of the Salal Registry (see the library
//! crate for what each command does). Exit codes: 0 done, 1 failure
//! (PostgreSQL unreachable, IO), 2 bad input.

use clap::{Parser, Subcommand};
use salal_registry::{RegistryError, ServeOptions, db, enroll, export, orgs};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use uuid::Uuid;

/// The Salal Registry server and its administration commands.
#[derive(Parser, Debug)]
#[command(name = "salal-registry", version)]
struct Cli {
    /// PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/salal.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Brings the database schema up to date.
    Migrate,
    /// Runs the HTTPS sync server.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// Folder with cert.pem and key.pem (a self-signed pair is made there if absent).
        #[arg(long)]
        tls_dir: PathBuf,
    },
    /// Manages organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Prints a one-time code a device enrolls with.
    EnrollCode {
        /// The organization's id.
        #[arg(long)]
        org: String,
        /// How many days the code stays valid.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// The TLS folder serve uses (else the certificate serve recorded).
        #[arg(long)]
        tls_dir: Option<PathBuf>,
    },
    /// Writes an organization's patients and doses as canonical JSON Lines.
    Export {
        /// The organization's id.
        #[arg(long)]
        org: String,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Creates an organization and prints its id.
    Add {
        /// Its name.
        #[arg(long)]
        name: String,
    },
}

fn org_id(text: &str) -> Result<Uuid, RegistryError> {
    Uuid::try_parse(text.trim()).map_err(|_| {
        RegistryError::BadInput(format!(
            "--org '{text}' is not an organization id (a UUID like 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b, as printed by `org add`)"
        ))
    })
}

async fn run(cli: Cli) -> Result<(), RegistryError> {
    let url = cli.database_url.ok_or_else(|| {
        RegistryError::BadInput(
            "no database: set DATABASE_URL or pass --database-url postgres://USER@HOST:PORT/DATABASE".to_owned(),
        )
    })?;
    match cli.command {
        Command::Migrate => {
            let pool = db::connect(&url, 1).await?;
            db::migrate(&pool).await?;
            println!("database is up to date");
        }
        Command::Serve { listen, tls_dir } => {
            salal_registry::serve(ServeOptions {
                database_url: url,
                listen,
                tls_dir,
            })
            .await?;
        }
        Command::Org {
            command: OrgCommand::Add { name },
        } => {
            let pool = db::connect(&url, 1).await?;
            let id = orgs::add(&pool, &name).await?;
            println!("{}", id.hyphenated());
        }
        Command::EnrollCode { org, days, tls_dir } => {
            let org = org_id(&org)?;
            let pool = db::connect(&url, 1).await?;
            let fingerprint = enroll::fingerprint(&pool, tls_dir.as_deref()).await?;
            let code = enroll::issue_code(&pool, org, days, fingerprint).await?;
            println!("{code}");
        }
        Command::Export { org } => {
            let org = org_id(&org)?;
            let pool = db::connect(&url, 1).await?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            export::export(&pool, org, &mut out).await?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings and errors of the server (never patient data) go to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("salal-registry: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("salal-registry: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
