//! The public API's routes and the permission each one needs: one table,
//! read by the server's router, its guard, its OpenAPI document and the
//! tests. A route is a row here or it does not exist, and a row cannot be
//! written without its `Need`.
//!
//! The permission is a property of the route, never of the HTTP method:
//! `POST /v2/list-agents` is a read.

use crate::model::permissions::{Group, Level, Requirement};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// What a key must hold to call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Need {
    /// Any valid key, whatever its restrictions.
    AnyKey,
    Permission(Requirement),
}

impl Need {
    pub fn describe(self) -> String {
        match self {
            Need::AnyKey => "any valid API key".to_owned(),
            Need::Permission(r) => r.to_string(),
        }
    }
}

/// Every operation the API implements; the server matches on it
/// exhaustively, so an operation without a handler does not compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    GetApiKeyInfo,
    CreateAgent,
    GetAgent,
    UpdateAgent,
    DeleteAgent,
    ListAgents,
    ListKnowledgeBases,
    GetKnowledgeBase,
    DeleteKnowledgeBase,
    ListVoices,
    GetVoice,
    CreateTestCaseDefinition,
    ListTestCaseDefinitions,
    GetTestCaseDefinition,
    UpdateTestCaseDefinition,
    DeleteTestCaseDefinition,
    ListCalls,
    GetCall,
    UpdateCall,
    DeleteCall,
    ListExportRequests,
    CreateExportRequest,
    CreatePhoneCall,
    CreateWebCall,
    CreateBatchCall,
    StopCall,
    CreatePhoneNumber,
    ListPhoneNumbers,
    GetPhoneNumber,
    UpdatePhoneNumber,
    DeletePhoneNumber,
}

impl Operation {
    /// Whether a public key may call it: only creating a web call, the
    /// one thing a web page needs (`model::public_keys`).
    pub fn opens_to_public_keys(self) -> bool {
        matches!(self, Operation::CreateWebCall)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApiRoute {
    pub method: Method,
    /// In axum's syntax: `/get-agent/{agent_id}`.
    pub path: &'static str,
    pub operation: Operation,
    pub need: Need,
    pub summary: &'static str,
}

const fn needs(group: Group, level: Level) -> Need {
    Need::Permission(Requirement { group, level })
}

const fn route(
    method: Method,
    path: &'static str,
    operation: Operation,
    need: Need,
    summary: &'static str,
) -> ApiRoute {
    ApiRoute {
        method,
        path,
        operation,
        need,
        summary,
    }
}

use Group::{Agent, Call, Export, History, Phone, Testing};
use Level::{Edit, Read};
use Method::{Delete, Get, Patch, Post, Put};
use Operation as Op;

pub const ROUTES: &[ApiRoute] = &[
    route(
        Get,
        "/get-api-key-info",
        Op::GetApiKeyInfo,
        Need::AnyKey,
        "Who this key is and which organization owns it",
    ),
    route(
        Post,
        "/create-agent",
        Op::CreateAgent,
        needs(Agent, Edit),
        "Create an agent",
    ),
    route(
        Get,
        "/get-agent/{agent_id}",
        Op::GetAgent,
        needs(Agent, Read),
        "Retrieve an agent",
    ),
    route(
        Patch,
        "/update-agent/{agent_id}",
        Op::UpdateAgent,
        needs(Agent, Edit),
        "Update an agent",
    ),
    route(
        Delete,
        "/delete-agent/{agent_id}",
        Op::DeleteAgent,
        needs(Agent, Edit),
        "Delete an agent",
    ),
    route(
        Post,
        "/v2/list-agents",
        Op::ListAgents,
        needs(Agent, Read),
        "List agents",
    ),
    route(
        Get,
        "/list-knowledge-bases",
        Op::ListKnowledgeBases,
        needs(Agent, Read),
        "List knowledge bases",
    ),
    route(
        Get,
        "/get-knowledge-base/{knowledge_base_id}",
        Op::GetKnowledgeBase,
        needs(Agent, Read),
        "Retrieve a knowledge base",
    ),
    route(
        Delete,
        "/delete-knowledge-base/{knowledge_base_id}",
        Op::DeleteKnowledgeBase,
        needs(Agent, Edit),
        "Delete a knowledge base",
    ),
    route(
        Get,
        "/list-voices",
        Op::ListVoices,
        needs(Agent, Read),
        "List voices",
    ),
    route(
        Get,
        "/get-voice/{voice_id}",
        Op::GetVoice,
        needs(Agent, Read),
        "Retrieve a voice",
    ),
    route(
        Post,
        "/create-test-case-definition",
        Op::CreateTestCaseDefinition,
        needs(Testing, Edit),
        "Create a test case definition",
    ),
    route(
        Get,
        "/v2/list-test-case-definitions",
        Op::ListTestCaseDefinitions,
        needs(Testing, Read),
        "List test case definitions",
    ),
    route(
        Get,
        "/get-test-case-definition/{id}",
        Op::GetTestCaseDefinition,
        needs(Testing, Read),
        "Retrieve a test case definition",
    ),
    route(
        Put,
        "/update-test-case-definition/{id}",
        Op::UpdateTestCaseDefinition,
        needs(Testing, Edit),
        "Update a test case definition",
    ),
    route(
        Delete,
        "/delete-test-case-definition/{id}",
        Op::DeleteTestCaseDefinition,
        needs(Testing, Edit),
        "Delete a test case definition",
    ),
    route(
        Post,
        "/v3/list-calls",
        Op::ListCalls,
        needs(History, Read),
        "List calls",
    ),
    route(
        Get,
        "/v2/get-call/{call_id}",
        Op::GetCall,
        needs(History, Read),
        "Retrieve a call",
    ),
    route(
        Patch,
        "/v2/update-call/{call_id}",
        Op::UpdateCall,
        needs(History, Edit),
        "Update a call's metadata",
    ),
    route(
        Delete,
        "/v2/delete-call/{call_id}",
        Op::DeleteCall,
        needs(History, Edit),
        "Delete a call",
    ),
    route(
        Get,
        "/v2/list-export-requests",
        Op::ListExportRequests,
        needs(Export, Edit),
        "List export requests",
    ),
    route(
        Post,
        "/create-export-request",
        Op::CreateExportRequest,
        needs(Export, Edit),
        "Create an export request",
    ),
    route(
        Post,
        "/v2/create-phone-call",
        Op::CreatePhoneCall,
        needs(Call, Edit),
        "Create an outbound phone call (recorded, never dialled)",
    ),
    route(
        Post,
        "/v3/create-web-call",
        Op::CreateWebCall,
        needs(Call, Edit),
        "Create a web call (recorded only)",
    ),
    route(
        Post,
        "/create-batch-call",
        Op::CreateBatchCall,
        needs(Call, Edit),
        "Create a batch call (recorded only)",
    ),
    route(
        Post,
        "/v2/stop-call/{call_id}",
        Op::StopCall,
        needs(Call, Edit),
        "End an ongoing call",
    ),
    route(
        Post,
        "/create-phone-number",
        Op::CreatePhoneNumber,
        needs(Phone, Edit),
        "Create a phone number",
    ),
    route(
        Get,
        "/v2/list-phone-numbers",
        Op::ListPhoneNumbers,
        needs(Phone, Read),
        "List phone numbers",
    ),
    route(
        Get,
        "/get-phone-number/{phone_number}",
        Op::GetPhoneNumber,
        needs(Phone, Read),
        "Retrieve a phone number",
    ),
    route(
        Patch,
        "/update-phone-number/{phone_number}",
        Op::UpdatePhoneNumber,
        needs(Phone, Edit),
        "Update a phone number",
    ),
    route(
        Delete,
        "/delete-phone-number/{phone_number}",
        Op::DeletePhoneNumber,
        needs(Phone, Edit),
        "Delete a phone number",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_route_is_unique_and_every_operation_has_one_route() {
        let keys: HashSet<_> = ROUTES.iter().map(|r| (r.method, r.path)).collect();
        assert_eq!(keys.len(), ROUTES.len());
        let ops: HashSet<_> = ROUTES.iter().map(|r| r.operation).collect();
        assert_eq!(ops.len(), ROUTES.len());
    }

    #[test]
    fn needs_are_levels_their_group_offers() {
        for r in ROUTES {
            if let Need::Permission(req) = r.need {
                assert!(
                    req.group.offers(req.level),
                    "{} {}",
                    r.method.as_str(),
                    r.path
                );
                assert_ne!(req.level, Level::NoAccess);
            }
        }
    }

    #[test]
    fn list_routes_that_use_post_are_still_reads() {
        let find = |p: &str| ROUTES.iter().find(|r| r.path == p).unwrap().need;
        assert_eq!(find("/v2/list-agents"), needs(Group::Agent, Level::Read));
        assert_eq!(find("/v3/list-calls"), needs(Group::History, Level::Read));
        assert_eq!(
            find("/v2/list-export-requests"),
            needs(Group::Export, Level::Edit)
        );
    }
}
