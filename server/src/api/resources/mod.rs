//! Resources as JSON documents, stored per organization. Every function
//! takes the organization: another organization's resource is not found.

use app::domain::OrgId;
use chrono::Utc;
use entity::{ActiveModel, Column, Entity as Resource};
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::StringLen;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde_json::{Value, json};

use super::body::Object;
use super::error::ApiError;

/// The largest document stored, in bytes of JSON: bounds what a list or a
/// read can hold in memory, whatever clients send over time.
pub const DOCUMENT_LIMIT: usize = 64 * 1024;
/// A list page stops adding items past this many bytes (and says
/// `has_more`), so a page of 1,000 large documents cannot be asked for.
pub const PAGE_BYTES: usize = 1024 * 1024;
/// A list page's size when the client names none, and the most it may ask.
pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 1000;
/// Rows read from the database at a time while filling a page.
const CHUNK: u64 = 64;

pub mod entity;

/// What a stored document is; stored as its snake-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Kind {
    #[sea_orm(string_value = "agent")]
    Agent,
    #[sea_orm(string_value = "knowledge_base")]
    KnowledgeBase,
    #[sea_orm(string_value = "test_case_definition")]
    TestCaseDefinition,
    #[sea_orm(string_value = "call")]
    Call,
    #[sea_orm(string_value = "batch_call")]
    BatchCall,
    #[sea_orm(string_value = "export_request")]
    ExportRequest,
    #[sea_orm(string_value = "phone_number")]
    PhoneNumber,
}

impl Kind {
    /// The field of a document that holds its id.
    pub fn id_field(self) -> &'static str {
        match self {
            Kind::Agent => "agent_id",
            Kind::KnowledgeBase => "knowledge_base_id",
            Kind::TestCaseDefinition => "test_case_definition_id",
            Kind::Call => "call_id",
            Kind::BatchCall => "batch_call_id",
            Kind::ExportRequest => "export_request_id",
            Kind::PhoneNumber => "phone_number",
        }
    }

    /// How a 404 names it.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Agent => "Agent",
            Kind::KnowledgeBase => "Knowledge base",
            Kind::TestCaseDefinition => "Test case definition",
            Kind::Call => "Call",
            Kind::BatchCall => "Batch call",
            Kind::ExportRequest => "Export request",
            Kind::PhoneNumber => "Phone number",
        }
    }
}

/// One page of a listing, shaped as the SDK's list responses.
pub struct Page {
    pub items: Vec<Object>,
    pub has_more: bool,
    pub pagination_key: Option<String>,
}

impl Page {
    pub fn to_json(&self, items: Vec<Value>) -> Value {
        let mut page = json!({ "items": items, "has_more": self.has_more });
        if let Some(key) = &self.pagination_key {
            page["pagination_key"] = json!(key);
        }
        page
    }
}

/// The document as stored, if it is within `DOCUMENT_LIMIT`.
fn encode(kind: Kind, body: &Object) -> Result<String, ApiError> {
    let text = Value::Object(body.clone()).to_string();
    if text.len() > DOCUMENT_LIMIT {
        return Err(ApiError::DocumentTooLarge {
            noun: kind.noun(),
            size: text.len().div_ceil(1024),
            limit: DOCUMENT_LIMIT / 1024,
        });
    }
    Ok(text)
}

pub async fn insert(
    db: &impl ConnectionTrait,
    org: OrgId,
    kind: Kind,
    id: &str,
    body: &Object,
) -> Result<(), ApiError> {
    let now = Utc::now();
    ActiveModel {
        organization_id: Set(org.0),
        kind: Set(kind),
        resource_id: Set(id.to_owned()),
        body: Set(encode(kind, body)?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|err| match err.sql_err() {
        // Two requests creating one id at once: the unique index decides.
        Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::Conflict {
            field: kind.id_field().into(),
            message: format!("This {} already exists.", kind.noun().to_lowercase()),
        },
        _ => err.into(),
    })?;
    Ok(())
}

pub async fn get(
    db: &impl ConnectionTrait,
    org: OrgId,
    kind: Kind,
    id: &str,
) -> Result<Object, ApiError> {
    let row = find(db, org, kind, id)
        .await?
        .ok_or(ApiError::NotFound(kind.noun()))?;
    decode(&row)
}

pub async fn exists(
    db: &impl ConnectionTrait,
    org: OrgId,
    kind: Kind,
    id: &str,
) -> Result<bool, ApiError> {
    Ok(find(db, org, kind, id).await?.is_some())
}

/// Reads a resource to change it inside `txn`, and holds it until the
/// transaction ends. The read starts with a write that changes nothing: on
/// PostgreSQL it takes the row's lock, on SQLite the database's write lock,
/// so concurrent read-modify-writes of one resource queue up instead of
/// overwriting each other's fields.
pub async fn get_for_update(
    txn: &DatabaseTransaction,
    org: OrgId,
    kind: Kind,
    id: &str,
) -> Result<Object, ApiError> {
    let locked = Resource::update_many()
        .col_expr(Column::Id, Expr::col(Column::Id))
        .filter(scope(org, kind, id))
        .exec(txn)
        .await?;
    matched(locked.rows_affected, kind)?;
    get(txn, org, kind, id).await
}

/// Replaces the stored document.
pub async fn put(
    db: &impl ConnectionTrait,
    org: OrgId,
    kind: Kind,
    id: &str,
    body: &Object,
) -> Result<(), ApiError> {
    let result = Resource::update_many()
        .col_expr(Column::Body, Expr::value(encode(kind, body)?))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(scope(org, kind, id))
        .exec(db)
        .await?;
    matched(result.rows_affected, kind)
}

pub async fn delete(
    db: &impl ConnectionTrait,
    org: OrgId,
    kind: Kind,
    id: &str,
) -> Result<(), ApiError> {
    let result = Resource::delete_many()
        .filter(scope(org, kind, id))
        .exec(db)
        .await?;
    matched(result.rows_affected, kind)
}

/// Newest first. `after` is the `pagination_key` of the previous page: the
/// id of its last item. Rows are read `CHUNK` at a time and a page ends at
/// `limit` items or past `PAGE_BYTES`, so a request holds a bounded amount
/// of memory however large the documents are.
pub async fn list(
    db: &impl ConnectionTrait,
    org: OrgId,
    kind: Kind,
    limit: u64,
    after: Option<&str>,
) -> Result<Page, ApiError> {
    let mut below = match after {
        Some(after) => Some(
            find(db, org, kind, after)
                .await?
                .ok_or_else(|| {
                    ApiError::unknown_reference(
                        "pagination_key",
                        "pagination_key does not name an item of this list.",
                    )
                })?
                .id,
        ),
        None => None,
    };
    let mut items = Vec::new();
    let mut last_id = None;
    let mut bytes = 0;
    loop {
        let mut query = Resource::find()
            .filter(Column::OrganizationId.eq(org.0))
            .filter(Column::Kind.eq(kind));
        if let Some(below) = below {
            query = query.filter(Column::Id.lt(below));
        }
        let rows = query.order_by_desc(Column::Id).limit(CHUNK).all(db).await?;
        let exhausted = (rows.len() as u64) < CHUNK;
        for row in &rows {
            if items.len() as u64 == limit || bytes > PAGE_BYTES {
                // There is at least this row after the page.
                return Ok(Page {
                    items,
                    has_more: true,
                    pagination_key: last_id,
                });
            }
            bytes += row.body.len();
            items.push(decode(row)?);
            last_id = Some(row.resource_id.clone());
        }
        below = rows.last().map(|r| r.id);
        if exhausted {
            return Ok(Page {
                items,
                has_more: false,
                pagination_key: None,
            });
        }
    }
}

async fn find(
    db: &impl ConnectionTrait,
    org: OrgId,
    kind: Kind,
    id: &str,
) -> Result<Option<entity::Model>, ApiError> {
    Ok(Resource::find()
        .filter(scope(org, kind, id))
        .one(db)
        .await?)
}

/// A write scoped by `scope` that matched no row: the resource is not in
/// this organization (or not at all), which look the same.
fn matched(rows: u64, kind: Kind) -> Result<(), ApiError> {
    if rows == 0 {
        return Err(ApiError::NotFound(kind.noun()));
    }
    Ok(())
}

/// One resource of one organization: every single-resource query uses this.
fn scope(org: OrgId, kind: Kind, id: &str) -> Condition {
    Condition::all()
        .add(Column::OrganizationId.eq(org.0))
        .add(Column::Kind.eq(kind))
        .add(Column::ResourceId.eq(id))
}

fn decode(row: &entity::Model) -> Result<Object, ApiError> {
    match serde_json::from_str(&row.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => {
            tracing::error!(resource = row.id, "stored resource is not a JSON object");
            Err(ApiError::Internal(None))
        }
    }
}
