//! Registration for the exam (issue 18): applicants' accounts, their applications with the
//! documents uploaded and the fees the office records, and the cities where an event is open for
//! registration. What a registration needs is decided by `exam_rules::certification`; this file
//! only keeps it.

use super::events::{RosterRow, insert_candidate};
use super::marking::{AuditRecord, audit};
use super::{Result, Store};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicantRow {
    pub id: i64,
    pub login: String,
    pub password_hash: String,
}

/// One application as stored; `form` is the form's JSON.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: i64,
    pub applicant_id: i64,
    pub event_id: Option<i64>,
    pub city: String,
    pub name: String,
    pub id_number: String,
    pub form: String,
    pub state: String,
    pub return_reason: String,
    /// The office's reasons for refusing the photo on review, one per line; empty when not.
    pub photo_refused: String,
    pub submitted_ms: Option<i64>,
    pub reviewed_ms: Option<i64>,
    pub reviewed_by: String,
    /// The candidate the registration became once seated.
    pub candidate_id: Option<i64>,
    /// The earlier application whose sitting was not passed (a retake).
    pub retake_of: Option<i64>,
    pub updated_ms: i64,
}

const APPLICATION_COLUMNS: &str = "id, applicant_id, event_id, city, name, id_number, form, state, return_reason, \
     photo_refused, submitted_ms, reviewed_ms, reviewed_by, candidate_id, retake_of, updated_ms";

/// A room of an event with its city, its seats and how many are taken.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoomPlace {
    pub room: String,
    pub city: String,
    pub seats: i64,
    pub taken: i64,
}

/// Where a registered applicant was seated.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SeatedRow {
    pub ticket: String,
    pub room: String,
    pub seat: String,
}

/// A document's description, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_ms: i64,
}

/// A document to keep.
pub struct NewDocument<'a> {
    pub application_id: i64,
    pub kind: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
    pub at_ms: i64,
}

/// A fee the office recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeeRecordRow {
    pub kind: String,
    pub payer: String,
    pub amount_fen: i64,
    /// The transfer's date, `YYYY-MM-DD`; empty for a waiver.
    pub paid_on: String,
    pub reference: String,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_ms: i64,
}

/// An event's city open for registration.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenCity {
    pub event_id: i64,
    pub event_name: String,
    pub starts_at_ms: i64,
    pub city: String,
}

/// An application's form as saved by the applicant, with the columns kept beside it.
pub struct FormSave<'a> {
    pub application_id: i64,
    pub event_id: Option<i64>,
    pub city: &'a str,
    pub name: &'a str,
    pub id_number: &'a str,
    pub form: &'a str,
    pub at_ms: i64,
}

/// A change of an application's state by its applicant or the office, audited.
pub struct StateChange<'a> {
    pub application_id: i64,
    /// The states it may change from; anything else leaves it as it is.
    pub from: &'a [&'a str],
    pub to: &'a str,
    pub return_reason: &'a str,
    pub photo_refused: &'a str,
    pub actor: &'a str,
    pub at_ms: i64,
}

/// Whether a state change took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Yes,
    /// The application was not in one of the states it may change from.
    NotInState,
    /// Another application of the same person for the same sitting is submitted or approved.
    Duplicate,
}

impl Store {
    /// A new applicant; `None` when the login is taken.
    pub async fn create_applicant(&self, login: &str, password_hash: &str, now: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "INSERT INTO applicants (login, password_hash, created_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (login) DO NOTHING RETURNING id",
        )
        .bind(login)
        .bind(password_hash)
        .bind(now)
        .fetch_optional(&self.write)
        .await?)
    }

    pub async fn applicant_by_login(&self, login: &str) -> Result<Option<ApplicantRow>> {
        Ok(
            sqlx::query_as("SELECT id, login, password_hash FROM applicants WHERE login = $1")
                .bind(login)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    pub async fn applicant(&self, id: i64) -> Result<Option<ApplicantRow>> {
        Ok(
            sqlx::query_as("SELECT id, login, password_hash FROM applicants WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// The applicant's latest application.
    pub async fn latest_application(&self, applicant_id: i64) -> Result<Option<ApplicationRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE applicant_id = $1 ORDER BY id DESC LIMIT 1"
        )))
        .bind(applicant_id)
        .fetch_optional(&self.write)
        .await?)
    }

    pub async fn application(&self, id: i64) -> Result<Option<ApplicationRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.write)
        .await?)
    }

    /// Every application, newest first; of one sitting and in one state when given.
    pub async fn applications(&self, event_id: Option<i64>, state: Option<&str>) -> Result<Vec<ApplicationRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications \
             WHERE ($1 IS NULL OR event_id = $1) AND ($2 IS NULL OR state = $2) ORDER BY id DESC"
        )))
        .bind(event_id)
        .bind(state)
        .fetch_all(&self.read)
        .await?)
    }

    /// A new draft application with this form (a retake of `retake_of`, whose documents in force
    /// it takes over).
    pub async fn create_application(
        &self,
        applicant_id: i64,
        form: &str,
        retake_of: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO applications (applicant_id, form, state, retake_of, name, id_number, created_ms, updated_ms) \
             SELECT $1, $2, 'draft', $3, COALESCE(MAX(p.name), ''), COALESCE(MAX(p.id_number), ''), $4, $4 \
             FROM (SELECT name, id_number FROM applications WHERE id = $3) p RETURNING id",
        )
        .bind(applicant_id)
        .bind(form)
        .bind(retake_of)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(earlier) = retake_of {
            sqlx::query(
                "INSERT INTO application_documents (application_id, kind, content_type, size_bytes, sha256, bytes, uploaded_ms) \
                 SELECT $1, kind, content_type, size_bytes, sha256, bytes, $3 FROM application_documents \
                 WHERE application_id = $2 AND superseded_ms IS NULL",
            )
            .bind(id)
            .bind(earlier)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Saves the form of an application its applicant may still edit (a draft, or returned);
    /// false when it may not be edited (any more).
    pub async fn save_application_form(&self, save: &FormSave<'_>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE applications SET event_id = $2, city = $3, name = $4, id_number = $5, form = $6, updated_ms = $7 \
             WHERE id = $1 AND state IN ('draft', 'returned')",
        )
        .bind(save.application_id)
        .bind(save.event_id)
        .bind(save.city)
        .bind(save.name)
        .bind(save.id_number)
        .bind(save.form)
        .bind(save.at_ms)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Changes an application's state (submitted, approved, returned), audited in the same
    /// transaction. Submitting is refused when the same ID number has another application for
    /// the same sitting submitted or approved.
    pub async fn change_application_state(&self, change: &StateChange<'_>) -> Result<Changed> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, Option<i64>, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT state, event_id, id_number FROM applications WHERE id = $1{}",
            self.for_update()
        )))
        .bind(change.application_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((state, event_id, id_number)) = row else {
            return Ok(Changed::NotInState);
        };
        if !change.from.contains(&state.as_str()) {
            return Ok(Changed::NotInState);
        }
        if change.to == "submitted" {
            let other: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM applications WHERE event_id = $1 AND id_number = $2 AND id <> $3 \
                 AND state IN ('submitted', 'approved') LIMIT 1",
            )
            .bind(event_id)
            .bind(&id_number)
            .bind(change.application_id)
            .fetch_optional(&mut *tx)
            .await?;
            if other.is_some() {
                return Ok(Changed::Duplicate);
            }
        }
        let (submitted, reviewed) = if change.to == "submitted" {
            (Some(change.at_ms), None)
        } else {
            (None, Some(change.at_ms))
        };
        sqlx::query(
            "UPDATE applications SET state = $2, return_reason = $3, photo_refused = $4, \
             submitted_ms = COALESCE($5, submitted_ms), reviewed_ms = COALESCE($6, reviewed_ms), \
             reviewed_by = CASE WHEN $6 IS NULL THEN reviewed_by ELSE $7 END, updated_ms = $8 WHERE id = $1",
        )
        .bind(change.application_id)
        .bind(change.to)
        .bind(change.return_reason)
        .bind(change.photo_refused)
        .bind(submitted)
        .bind(reviewed)
        .bind(change.actor)
        .bind(change.at_ms)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            &AuditRecord {
                event_id: event_id.unwrap_or(0),
                actor: change.actor,
                action: "application_state",
                subject: &format!("报名申请 {}", change.application_id),
                old: &state,
                new: change.to,
                reason: change.return_reason,
                at_ms: change.at_ms,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Changed::Yes)
    }

    /// Keeps a document, superseding the application's earlier one of the same kind; a new photo
    /// clears the office's refusal of the earlier one. False when the application may not be
    /// edited (any more).
    pub async fn add_document(&self, doc: &NewDocument<'_>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let editable: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM applications WHERE id = $1 AND state IN ('draft', 'returned'){}",
            self.for_update()
        )))
        .bind(doc.application_id)
        .fetch_optional(&mut *tx)
        .await?;
        if editable.is_none() {
            return Ok(false);
        }
        keep_document(&mut tx, doc).await?;
        let clear_refusal = if doc.kind == "photo" {
            ", photo_refused = ''"
        } else {
            ""
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE applications SET updated_ms = $2{clear_refusal} WHERE id = $1"
        )))
        .bind(doc.application_id)
        .bind(doc.at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Keeps a document the office files with an application (the employer's evaluation, the
    /// stamped application form, …), whatever the application's state, superseding the earlier
    /// one of that kind; audited.
    pub async fn add_office_document(&self, doc: &NewDocument<'_>, event_id: i64, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        keep_document(&mut tx, doc).await?;
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "file_document",
                subject: &format!("报名申请 {}", doc.application_id),
                old: "",
                new: doc.kind,
                reason: "",
                at_ms: doc.at_ms,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The application's documents in force (the latest of each kind), without their bytes.
    pub async fn documents(&self, application_id: i64) -> Result<Vec<DocumentRow>> {
        Ok(sqlx::query_as(
            "SELECT id, kind, content_type, size_bytes, sha256, uploaded_ms FROM application_documents \
             WHERE application_id = $1 AND superseded_ms IS NULL ORDER BY kind",
        )
        .bind(application_id)
        .fetch_all(&self.write)
        .await?)
    }

    /// One document's type and bytes, if it belongs to the application.
    pub async fn document_bytes(&self, application_id: i64, document_id: i64) -> Result<Option<(String, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT content_type, bytes FROM application_documents WHERE application_id = $1 AND id = $2",
        )
        .bind(application_id)
        .bind(document_id)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Records a fee (the latest record is the one in force), audited in the same transaction.
    pub async fn record_fee(&self, application_id: i64, event_id: i64, fee: &FeeRecordRow) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO fee_records (application_id, kind, payer, amount_fen, paid_on, reference, reason, recorded_by, recorded_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(application_id)
        .bind(&fee.kind)
        .bind(&fee.payer)
        .bind(fee.amount_fen)
        .bind(&fee.paid_on)
        .bind(&fee.reference)
        .bind(&fee.reason)
        .bind(&fee.recorded_by)
        .bind(fee.recorded_ms)
        .execute(&mut *tx)
        .await?;
        let new = format!(
            "{} {} 分 {} {} {}",
            fee.kind, fee.amount_fen, fee.payer, fee.paid_on, fee.reference
        );
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor: &fee.recorded_by,
                action: "record_fee",
                subject: &format!("报名申请 {application_id}"),
                old: "",
                new: &new,
                reason: &fee.reason,
                at_ms: fee.recorded_ms,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The fee record in force for an application.
    pub async fn latest_fee(&self, application_id: i64) -> Result<Option<FeeRecordRow>> {
        Ok(sqlx::query_as(
            "SELECT kind, payer, amount_fen, paid_on, reference, reason, recorded_by, recorded_ms FROM fee_records \
             WHERE application_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(application_id)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Sets the cities where an event is open for registration (none: closed), audited.
    pub async fn set_event_cities(&self, event_id: i64, cities: &[String], actor: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM event_cities WHERE event_id = $1")
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        for (seq, city) in cities.iter().enumerate() {
            sqlx::query("INSERT INTO event_cities (event_id, city, seq) VALUES ($1, $2, $3)")
                .bind(event_id)
                .bind(city)
                .bind(seq as i64)
                .execute(&mut *tx)
                .await?;
        }
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "registration_cities",
                subject: "报名城市",
                old: "",
                new: &cities.join("、"),
                reason: "",
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every event's cities open for registration, by event and city.
    pub async fn open_cities(&self) -> Result<Vec<OpenCity>> {
        Ok(sqlx::query_as(
            "SELECT c.event_id, e.name AS event_name, e.starts_at_ms, c.city FROM event_cities c \
             JOIN events e ON e.id = c.event_id ORDER BY e.starts_at_ms, c.event_id, c.seq",
        )
        .fetch_all(&self.read)
        .await?)
    }

    /// Sets a room's city and number of seats (a room not yet in the event is added), audited.
    pub async fn set_room_place(&self, event_id: i64, place: &RoomPlace, actor: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO room_places (event_id, room, city, seats) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (event_id, room) DO UPDATE SET city = excluded.city, seats = excluded.seats",
        )
        .bind(event_id)
        .bind(&place.room)
        .bind(&place.city)
        .bind(place.seats)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO event_rooms (event_id, room) VALUES ($1, $2) ON CONFLICT (event_id, room) DO NOTHING")
            .bind(event_id)
            .bind(&place.room)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "room_place",
                subject: &place.room,
                old: "",
                new: &format!("{}，{} 个座位", place.city, place.seats),
                reason: "",
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The event's rooms with a city and seats, and how many of their seats are taken.
    pub async fn room_places(&self, event_id: i64) -> Result<Vec<RoomPlace>> {
        Ok(sqlx::query_as(
            "SELECT p.room, p.city, p.seats, (SELECT COUNT(*) FROM candidates c WHERE c.event_id = p.event_id AND c.room = p.room) AS taken \
             FROM room_places p WHERE p.event_id = $1 ORDER BY p.room",
        )
        .bind(event_id)
        .fetch_all(&self.write)
        .await?)
    }

    /// The seats taken in a room of an event.
    pub async fn seats_taken(&self, event_id: i64, room: &str) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT seat FROM candidates WHERE event_id = $1 AND room = $2")
                .bind(event_id)
                .bind(room)
                .fetch_all(&self.write)
                .await?,
        )
    }

    /// Makes each approved application a candidate of its event (the rows say where), in one
    /// transaction: all of them or none. An application seated meanwhile (another office clerk
    /// at the same moment) makes the whole batch fail, changing nothing: false.
    pub async fn seat_applications(
        &self,
        event_id: i64,
        rows: &[(i64, RosterRow)],
        base_ms: i64,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        for (application_id, row) in rows {
            let candidate_id = insert_candidate(&mut tx, event_id, row, base_ms).await?;
            let done = sqlx::query(
                "UPDATE applications SET candidate_id = $2, updated_ms = $3 WHERE id = $1 AND candidate_id IS NULL AND state = 'approved'",
            )
            .bind(application_id)
            .bind(candidate_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "seat_applicants",
                subject: "分配考场座位",
                old: "",
                new: &format!("{} 人", rows.len()),
                reason: "",
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a candidate of an event who has not started to another room and seat (the seat free),
    /// audited; false when they have started or the seat is taken meanwhile.
    pub async fn move_seat(
        &self,
        event_id: i64,
        ticket: &str,
        room: &str,
        seat: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM candidates WHERE event_id = $1 AND room = $2 AND seat = $3{}",
            self.for_update()
        )))
        .bind(event_id)
        .bind(room)
        .bind(seat)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Ok(false);
        }
        let old: Option<(String, String)> = sqlx::query_as(
            "SELECT c.room, c.seat FROM candidates c JOIN sittings s ON s.candidate_id = c.id \
             WHERE c.event_id = $1 AND c.ticket = $2 AND s.state = 'not_started'",
        )
        .bind(event_id)
        .bind(ticket)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((old_room, old_seat)) = old else {
            return Ok(false);
        };
        sqlx::query("UPDATE candidates SET room = $3, seat = $4 WHERE event_id = $1 AND ticket = $2")
            .bind(event_id)
            .bind(ticket)
            .bind(room)
            .bind(seat)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "move_seat",
                subject: ticket,
                old: &format!("{old_room} {old_seat}"),
                new: &format!("{room} {seat}"),
                reason: "",
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A new password for an applicant who forgot theirs; their sessions end.
    pub async fn reset_applicant_password(&self, login: &str, password_hash: &str) -> Result<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let id: Option<i64> =
            sqlx::query_scalar("UPDATE applicants SET password_hash = $2 WHERE login = $1 RETURNING id")
                .bind(login)
                .bind(password_hash)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = id {
            sqlx::query("UPDATE sessions SET revoked = 1 WHERE role = 'applicant' AND subject_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Where an application's candidate sits.
    pub async fn seat_of(&self, candidate_id: i64) -> Result<Option<SeatedRow>> {
        Ok(
            sqlx::query_as("SELECT ticket, room, seat FROM candidates WHERE id = $1")
                .bind(candidate_id)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// The photos of an event's candidates who registered online, by ticket.
    pub async fn candidate_photos(&self, event_id: i64) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT c.ticket, d.bytes FROM applications a JOIN candidates c ON c.id = a.candidate_id \
             JOIN application_documents d ON d.application_id = a.id AND d.kind = 'photo' AND d.superseded_ms IS NULL \
             WHERE a.event_id = $1",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }
}

/// Keeps a document, superseding the application's earlier one of the same kind (which stays).
async fn keep_document(tx: &mut sqlx::Transaction<'static, sqlx::Any>, doc: &NewDocument<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE application_documents SET superseded_ms = $3 \
         WHERE application_id = $1 AND kind = $2 AND superseded_ms IS NULL",
    )
    .bind(doc.application_id)
    .bind(doc.kind)
    .bind(doc.at_ms)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO application_documents (application_id, kind, content_type, size_bytes, sha256, bytes, uploaded_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(doc.application_id)
    .bind(doc.kind)
    .bind(doc.content_type)
    .bind(doc.bytes.len() as i64)
    .bind(doc.sha256)
    .bind(doc.bytes)
    .bind(doc.at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
