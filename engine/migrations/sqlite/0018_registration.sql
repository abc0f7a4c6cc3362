-- Registration for the exam (issue 18, the guide's §四 and §八): applicants' own accounts, their
-- applications, the documents they upload and the fees the office records.

-- An applicant's account: a mobile number or an e-mail address (lower-cased) and a password.
CREATE TABLE applicants (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    login          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    created_ms     BIGINT NOT NULL
);

-- The cities where an event open for registration is held, in the office's order (`seq`); an
-- event with none is not open.
CREATE TABLE event_cities (
    event_id  BIGINT NOT NULL REFERENCES events (id),
    city      TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    PRIMARY KEY (event_id, city)
);

-- One application for one sitting. `form` is the form as the applicant filled it (JSON); the
-- name, ID number, sitting and city are kept beside it for the office's search and for the one
-- application per person and sitting. state: draft → submitted → approved, or returned (with
-- `return_reason`, editable again) → submitted …
CREATE TABLE applications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    applicant_id    BIGINT NOT NULL REFERENCES applicants (id),
    event_id        BIGINT REFERENCES events (id),
    city            TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL DEFAULT '',
    id_number       TEXT NOT NULL DEFAULT '',
    form            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
    return_reason   TEXT NOT NULL DEFAULT '',
    photo_refused   TEXT NOT NULL DEFAULT '',
    submitted_ms    BIGINT,
    reviewed_ms     BIGINT,
    reviewed_by     TEXT NOT NULL DEFAULT '',
    -- The candidate the registration became once seated (准考证).
    candidate_id    BIGINT REFERENCES candidates (id),
    -- The earlier application whose sitting was not passed: this one is a retake (补考).
    retake_of       BIGINT REFERENCES applications (id),
    created_ms      BIGINT NOT NULL,
    updated_ms      BIGINT NOT NULL
);
CREATE INDEX applications_applicant ON applications (applicant_id, id);
CREATE INDEX applications_event ON applications (event_id, state);
CREATE INDEX applications_id_number ON applications (id_number);

-- Documents uploaded with an application, kept in the database so that every node serves them.
-- A new upload of the same kind supersedes the earlier one, which stays (nothing is deleted).
CREATE TABLE application_documents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    kind            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    bytes           BLOB NOT NULL,
    uploaded_ms     BIGINT NOT NULL,
    superseded_ms   BIGINT
);
CREATE INDEX application_documents_application ON application_documents (application_id, kind, id);

-- A fee recorded by the office: a bank transfer as the bank shows it, or a waiver with its
-- reason. The latest record of an application is the one in force; earlier ones stay.
CREATE TABLE fee_records (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    kind            TEXT NOT NULL CHECK (kind IN ('transfer', 'waiver')),
    payer           TEXT NOT NULL DEFAULT '',
    amount_fen      BIGINT NOT NULL DEFAULT 0,
    paid_on         TEXT NOT NULL DEFAULT '',
    reference       TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    recorded_by     TEXT NOT NULL,
    recorded_ms     BIGINT NOT NULL
);
CREATE INDEX fee_records_application ON fee_records (application_id, id);

-- Where each room of an event is and how many seats it has, for seating registered applicants by
-- the city they chose.
CREATE TABLE room_places (
    event_id  BIGINT NOT NULL REFERENCES events (id),
    room      TEXT NOT NULL,
    city      TEXT NOT NULL,
    seats     BIGINT NOT NULL,
    PRIMARY KEY (event_id, room)
);

-- A certification application after a pass (认证申请, §四 2): the work report as pasted (its
-- length counted), the other certificates named, the post-mark date of the paper documents as
-- the office records it (with the period it falls in), and the committee's decision.
CREATE TABLE certification_requests (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id      BIGINT NOT NULL REFERENCES applications (id),
    applicant_id        BIGINT NOT NULL REFERENCES applicants (id),
    report              TEXT NOT NULL,
    report_chars        BIGINT NOT NULL,
    other_certificates  TEXT NOT NULL DEFAULT '',
    submitted_ms        BIGINT NOT NULL,
    postmarked_on       TEXT NOT NULL DEFAULT '',
    timing              TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'deferred', 'refused')),
    decision_reason     TEXT NOT NULL DEFAULT '',
    decided_ms          BIGINT,
    decided_by          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX certification_requests_applicant ON certification_requests (applicant_id, id);

-- Certificates issued. A number is never reused (revoked ones stay); `status_index` is the
-- certificate's place in the revocation and suspension status lists; `salt` salts the hash that
-- identifies the holder in the credential. The directory shows employment, employer and contact
-- only when the holder agreed (`listed`).
CREATE TABLE certificates (
    id                BIGINT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    year              BIGINT NOT NULL,
    serial            BIGINT NOT NULL,
    request_id        BIGINT NOT NULL REFERENCES certification_requests (id),
    applicant_id      BIGINT NOT NULL REFERENCES applicants (id),
    name              TEXT NOT NULL,
    name_pinyin       TEXT NOT NULL,
    id_number         TEXT NOT NULL,
    certified_on      TEXT NOT NULL,
    revoked           BIGINT NOT NULL DEFAULT 0,
    suspended         BIGINT NOT NULL DEFAULT 0,
    status_reason     TEXT NOT NULL DEFAULT '',
    salt              TEXT NOT NULL,
    issued_ms         BIGINT NOT NULL,
    listed            BIGINT NOT NULL DEFAULT 0,
    employment        TEXT NOT NULL DEFAULT '',
    employer          TEXT NOT NULL DEFAULT '',
    contact           TEXT NOT NULL DEFAULT '',
    UNIQUE (year, serial)
);
