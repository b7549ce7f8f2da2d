//! `jiceng user add | list | set-password`.

use super::{domain_err, load_config, open};
use crate::cli::{DataArgs, SetPasswordArgs, UserAddArgs};
use crate::table;
use anyhow::{Result, anyhow, bail};
use jiceng_accounts::ports::{UnitQuery, UserQuery};
use jiceng_kernel::ids::{UnitId, UserId};
use jiceng_kernel::org::OrgUnit;
use jiceng_kernel::user::{NewUser, Role, Username, check_password_policy};
use jiceng_orders::use_cases::Orders;
use rand::Rng;
use rand::rngs::OsRng;

/// Letters and digits without the look-alikes 0 O 1 l I.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A random password of four groups of five (about 116 bits), e.g. `Hk3vQ-…`.
pub fn generate_password(username: &str) -> String {
    loop {
        let groups: Vec<String> = (0..4)
            .map(|_| {
                (0..5)
                    .map(|_| char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())]))
                    .collect()
            })
            .collect();
        let pw = groups.join("-");
        if check_password_policy(&pw, username).is_ok() {
            return pw;
        }
    }
}

fn parse_role(raw: &str) -> Result<Role> {
    Role::parse(raw.trim()).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow!(
            "invalid --role {raw:?}: expected one of {}",
            names.join(", ")
        )
    })
}

/// Finds a unit by official code, UUID or exact name.
pub(super) async fn resolve_unit(orders: &Orders, raw: &str) -> Result<OrgUnit> {
    let key = raw.trim();
    let digits = key.chars().all(|c| c.is_ascii_digit());
    // Short division codes name the same unit as their 12-digit form: 511602, 511602001.
    let padded = match key.len() {
        6 if digits => Some(format!("{key}000000")),
        9 if digits => Some(format!("{key}000")),
        _ => None,
    };
    for code in std::iter::once(key.to_owned()).chain(padded) {
        if let Some(u) = orders.store.find_unit_by_code(&code).await? {
            return Ok(u);
        }
    }
    if let Some(id) = UnitId::parse(key)
        && let Some(u) = orders.store.get_unit(id).await?
    {
        return Ok(u);
    }
    let mut same_name: Vec<OrgUnit> = orders
        .store
        .list_units(&UnitQuery {
            name_contains: Some(key.to_owned()),
            limit: 500,
            ..UnitQuery::default()
        })
        .await?
        .into_iter()
        .filter(|u| u.name == key)
        .collect();
    match same_name.len() {
        1 => Ok(same_name.remove(0)),
        0 => bail!("unknown --unit {raw:?}: no unit has this code, id or name"),
        n => bail!("ambiguous --unit {raw:?}: {n} units have this name; give its code or id"),
    }
}

fn flag_of(code: &str) -> &'static str {
    match code {
        "user.invalid_username" | "user.duplicate_username" => "--username",
        "user.invalid_display_name" => "--name",
        "user.invalid_phone" => "--phone",
        "user.weak_password" => "--password",
        _ => "user",
    }
}

fn user_err(e: jiceng_kernel::Error) -> anyhow::Error {
    let flag = flag_of(e.code.as_str());
    domain_err(&format!("invalid {flag}"), e)
}

pub async fn add(args: UserAddArgs) -> Result<()> {
    if args.roles.len() != args.units.len() {
        bail!(
            "--role given {} time(s) but --unit {} time(s): give one --unit for each --role",
            args.roles.len(),
            args.units.len()
        );
    }
    let username = Username::parse(&args.username)
        .map_err(|e| domain_err(&format!("invalid --username {:?}", args.username), e))?;
    let roles = args
        .roles
        .iter()
        .map(|r| parse_role(r))
        .collect::<Result<Vec<_>>>()?;
    if let Some(pw) = &args.password {
        check_password_policy(pw, username.as_str()).map_err(user_err)?;
    }
    let config = load_config(&args.data)?;
    let db = open(&config).await?;
    let mut grants = Vec::new();
    let mut shown = Vec::new();
    for (role, raw) in roles.into_iter().zip(&args.units) {
        let unit = resolve_unit(&db.orders, raw).await?;
        shown.push(format!("{role}@{}", unit.name));
        grants.push((role, unit.id));
    }
    let new = NewUser::parse(username.as_str(), &args.name, args.phone.as_deref(), grants)
        .map_err(user_err)?;
    let (password, generated) = match args.password {
        Some(p) => (p, false),
        None => (generate_password(username.as_str()), true),
    };
    let user = db
        .orders
        .accounts
        .system_create_user(new, &password)
        .await
        .map_err(user_err)?;
    say!(
        "created user {} ({}) with roles {}",
        user.username,
        user.display_name,
        shown.join(", ")
    );
    if generated {
        say!("password: {password}");
        say!("(shown once: give it to the user, who should change it after logging in)");
    }
    db.store.close().await;
    Ok(())
}

pub async fn list(data: &DataArgs) -> Result<()> {
    let config = load_config(data)?;
    let db = open(&config).await?;
    let mut rows = Vec::new();
    let mut after: Option<UserId> = None;
    loop {
        let page = db
            .orders
            .store
            .list_users(&UserQuery {
                after,
                limit: 500,
                ..UserQuery::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let full = page.len() >= 500;
        for u in page {
            let roles: Vec<String> = u
                .grants
                .iter()
                .map(|g| format!("{}@{}", g.role, g.unit_name))
                .collect();
            let mut roles = roles.join(", ");
            if u.disabled {
                roles.push_str("  [disabled]");
            }
            rows.push(vec![u.username, u.display_name, roles]);
        }
        if !full {
            break;
        }
    }
    if rows.is_empty() {
        say!("no users yet: add one with `jiceng user add` or seed the demo with `jiceng demo`");
    } else {
        let t = table::render(&["username", "name", "roles@unit"], &rows);
        say!("{}", t.trim_end());
        say!("{} user(s)", rows.len());
    }
    db.store.close().await;
    Ok(())
}

pub async fn set_password(args: SetPasswordArgs) -> Result<()> {
    let username = Username::parse(&args.username)
        .map_err(|e| domain_err(&format!("invalid --username {:?}", args.username), e))?;
    if let Some(pw) = &args.password {
        check_password_policy(pw, username.as_str()).map_err(user_err)?;
    }
    let config = load_config(&args.data)?;
    let db = open(&config).await?;
    let Some((user, _)) = db.orders.store.find_login(username.as_str()).await? else {
        bail!("unknown --username {:?}: no such user", args.username);
    };
    let (password, generated) = match args.password {
        Some(p) => (p, false),
        None => (generate_password(&user.username), true),
    };
    db.orders
        .accounts
        .system_set_password(&user, &password)
        .await
        .map_err(user_err)?;
    say!(
        "password of {} changed; their sessions have ended",
        user.username
    );
    if generated {
        say!("password: {password}");
        say!("(shown once)");
    }
    db.store.close().await;
    Ok(())
}
