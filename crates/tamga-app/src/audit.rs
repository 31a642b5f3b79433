//! The audit log's use cases: verification, and signed checkpoints of its head.

use tamga_store::{AuditReport, Checkpoint, Role};

use crate::assessment::utc_seconds;
use crate::{Actor, App, Result};

/// Checkpoints kept by an operator, to check against the chain.
pub type Checkpoints = Vec<Checkpoint>;

impl App {
    /// Checks the chain, the rows each entry wrote, each object's state and the checkpoints
    /// given: the commission, an admin, or the operator.
    pub async fn verify_audit(
        &self,
        actor: &Actor,
        checkpoints: &[Checkpoint],
    ) -> Result<AuditReport> {
        actor.require_any(&[Role::Commission, Role::Admin], "verify the audit log")?;
        Ok(self.store.verify_audit(checkpoints).await?)
    }

    /// A signed checkpoint of the chain's head now.
    pub async fn audit_checkpoint(&self, actor: &Actor) -> Result<Checkpoint> {
        actor.require_any(&[Role::Commission, Role::Admin], "take audit checkpoints")?;
        let at = utc_seconds(time::OffsetDateTime::now_utc());
        Ok(self.store.checkpoint(&at).await?)
    }
}
