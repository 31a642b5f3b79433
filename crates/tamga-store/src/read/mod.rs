//! Reads: through the reader pool for the service, through the writer's connection inside a
//! write. Every public read is bounded by the statement timeout ([`crate::Store::bounded`]).

mod declarations;
mod ledger;
mod tokens;

use sqlx::Any;

use crate::{Result, Store, StoreError};

pub(crate) use declarations::{DeclarationHead, FullDeclaration, heads_after, load_many};
pub use declarations::{DeclarationPage, ListQuery};
pub(crate) use ledger::all_orders;
pub(crate) use tokens::{all_tokens, load_token};

impl Store {
    /// A pooled connection. Failing to get one (the server down, refusing connections, the
    /// pool exhausted beyond the timeout) is the database being unavailable, whatever the
    /// driver's error.
    pub(crate) async fn reader(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        self.readers
            .acquire()
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// The node key, for what only this node may sign or key (list cursors, checkpoints).
    pub fn node_key(&self) -> &crate::NodeKey {
        &self.key
    }
}
