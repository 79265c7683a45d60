//! The API's one error format: `{ "error": { "status": 404, "code": "not_found", "message": "…" } }`.
//!
//! `code` is stable (clients branch on it); `message` is for people. Bad input of any kind is a
//! 4xx; a 500 means a bug or a failing database, and its details go to the log, not the client.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kith_store::edit::EditError;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in, or send an API token as `Authorization: Bearer …`",
        )
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// A failure that is not the client's: logged in full, reported without details.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; the server log has the details")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "status": self.status.as_u16(), "code": self.code, "message": self.message }
        });
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<kith_store::Error> for ApiError {
    fn from(e: kith_store::Error) -> ApiError {
        use kith_store::Error as E;
        match e {
            E::NotFound { .. } => ApiError::not_found(e.to_string()),
            E::Ambiguous { .. } => ApiError::new(StatusCode::CONFLICT, "ambiguous", e.to_string()),
            E::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            E::Invalid(m) => ApiError::invalid(m),
            other => ApiError::internal(other),
        }
    }
}

impl From<EditError> for ApiError {
    fn from(e: EditError) -> ApiError {
        match e {
            EditError::Invalid(m) => ApiError::invalid(m),
            // A reference inside a body that matches nothing is bad input, not a missing page.
            EditError::Store(e @ kith_store::Error::NotFound { .. }) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_reference", e.to_string())
            }
            EditError::Store(e @ kith_store::Error::Ambiguous { .. }) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "ambiguous_reference", e.to_string())
            }
            EditError::Store(e) => e.into(),
        }
    }
}

fn rejection(status: StatusCode, text: String) -> ApiError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => return ApiError::internal(text),
        _ => "malformed_request",
    };
    ApiError::new(status, code, text)
}

/// A JSON body whose every failure (syntax, types, unknown fields, size) is an [`ApiError`].
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    // A body over the limit surfaces as a failure to buffer it; say so plainly.
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large");
    }
    rejection(e.status(), e.body_text())
}

/// Query parameters, with failures as [`ApiError`]s.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> ApiError {
    ApiError::bad_request("invalid_query", e.body_text())
}

/// A record id in the path: a UUID, or a 400.
pub struct PathId(pub kith_core::Id);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(s)) => s,
            Err(e) => return Err(path_rejection(e)),
        };
        raw.parse()
            .map(PathId)
            .map_err(|_| ApiError::bad_request("bad_id", format!("`{raw}` is not a record id (a UUID)")))
    }
}

fn path_rejection(e: PathRejection) -> ApiError {
    ApiError::bad_request("bad_id", e.body_text())
}
