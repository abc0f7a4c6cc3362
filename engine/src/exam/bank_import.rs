//! A bank brought in from the formats offices already have (Excel, Word, QTI, Moodle XML, GIFT)
//! and taken out again (`bank_formats` does the reading and writing; here the office's two
//! steps): the file is read and every problem reported by its place in the source; only when the
//! office accepts that report are the imported items stored as a bank version of their own, as
//! an uploaded bank folder is.

use bank_formats::{Format, Import, ImportOptions, ImportProblem};
use question_bank::{Bank, Module};
use serde::Serialize;

use super::bank::{BankFiles, StoredBank};
use super::{Exam, ServiceError, ServiceResult};

/// What an import found, and where the bank was stored once accepted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BankImport {
    /// The format the file was read as (xlsx, docx, qti, moodle, gift).
    pub format: String,
    /// One line: read, imported, not imported, problems, notes.
    pub summary: String,
    /// Questions in the file.
    pub read: usize,
    /// Questions that passed every check and would be (or were) stored.
    pub imported: usize,
    /// Why questions were refused; a refused question is left out of the bank.
    pub problems: Vec<ImportNote>,
    /// Things to look at in questions that were imported (a stem that appears twice …).
    pub warnings: Vec<ImportNote>,
    /// What Kaowu cannot hold and did not keep (images, formulas, other kinds of question).
    pub not_represented: Vec<ImportNote>,
    /// Where the bank was stored, once the office accepted the report.
    pub stored: Option<StoredBank>,
}

/// One line of the report, by its place in the source file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportNote {
    pub file: String,
    /// Sheet and row as Excel shows them, paragraph (第 N 段), line, or XML element.
    pub place: String,
    pub item: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl From<&ImportProblem> for ImportNote {
    fn from(p: &ImportProblem) -> ImportNote {
        ImportNote {
            file: p.file.clone(),
            place: p.place.to_string(),
            item: p.item.clone(),
            field: p.field.clone(),
            message: p.message.clone(),
        }
    }
}

/// What the office chose for an import.
pub struct ImportRequest<'a> {
    pub file_name: &'a str,
    /// `None` or "auto": told by the file's content and name.
    pub format: Option<&'a str>,
    /// The module (1–6) of questions whose file names none.
    pub module: Option<u8>,
    /// The new bank's id and name (from the file's name when not given).
    pub bank_id: Option<&'a str>,
    pub bank_name: Option<&'a str>,
    /// Store the imported questions (the office accepted the report).
    pub accept: bool,
}

/// The format asked for, or the one the file is in.
pub fn format_of(file_name: &str, bytes: &[u8], asked: Option<&str>) -> ServiceResult<Format> {
    match asked.map(str::trim).filter(|a| !a.is_empty() && *a != "auto") {
        Some(name) => Format::parse(name).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "不支持的格式“{name}”：可选 auto、xlsx、docx、qti、moodle、gift"
            ))
        }),
        None => Format::detect(file_name, bytes).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "无法识别“{file_name}”的格式：请上传 Excel（.xlsx）、Word（.docx）、QTI 题目包（.zip）、Moodle XML 或 GIFT 文件，或指定格式"
            ))
        }),
    }
}

/// Reads the file; never stores anything.
pub fn read_import(bytes: &[u8], request: &ImportRequest<'_>) -> ServiceResult<(Format, Import)> {
    let format = format_of(request.file_name, bytes, request.format)?;
    let default_module = match request.module {
        None => None,
        Some(n) => {
            Some(Module::new(i64::from(n)).ok_or_else(|| ServiceError::Invalid(format!("模块“{n}”无效：应为 1–6")))?)
        }
    };
    let options = ImportOptions { default_module };
    Ok((
        format,
        bank_formats::import_with(request.file_name, bytes, format, options),
    ))
}

/// The imported questions (and the pictures they show) as a bank's files, checked as a bank
/// folder is.
pub(crate) fn imported_bank(
    items: &[question_bank::Item],
    pictures: &std::collections::BTreeMap<String, Vec<u8>>,
    request: &ImportRequest<'_>,
) -> ServiceResult<(Bank, BankFiles)> {
    let stem = request
        .file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(request.file_name)
        .rsplit_once('.')
        .map_or(request.file_name, |(s, _)| s);
    let id: String = match request.bank_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => id.to_string(),
        None => {
            let ascii: String = stem
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if ascii.is_empty() { "imported".into() } else { ascii }
        }
    };
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(ServiceError::Invalid(format!(
            "题库编号“{id}”无效：只能由字母、数字、- 和 _ 组成，最长 64 个字符"
        )));
    }
    let name = request
        .bank_name
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(stem)
        .to_string();
    if items.is_empty() {
        return Err(ServiceError::Invalid(
            "没有可导入的题目：请按报告修改文件后重新导入".into(),
        ));
    }
    let files = bank_formats::to_bank_files(&id, &name, items);
    let images: Vec<(String, Vec<u8>)> = bank_formats::to_bank_images(items, pictures)
        .into_iter()
        .map(|(path, bytes)| (path.trim_start_matches("images/").to_string(), bytes))
        .collect();
    let bank = Bank::from_parts(&files, images.clone()).map_err(|problems| {
        ServiceError::Internal(format!(
            "imported items failed the bank loader: {}",
            problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ")
        ))
    })?;
    Ok((bank, BankFiles { text: files, images }))
}

impl Exam {
    /// Reads a bank file in any of the formats and reports on it; with `accept`, stores the
    /// imported questions as a new bank version (as an uploaded bank folder is stored). Audited.
    pub async fn import_bank(
        &self,
        bytes: Vec<u8>,
        request: ImportRequest<'_>,
        banks_dir: &std::path::Path,
        actor: &str,
    ) -> ServiceResult<BankImport> {
        let file_name = request.file_name.to_string();
        let (format, module) = (request.format.map(str::to_string), request.module);
        let (format, import) = tokio::task::spawn_blocking(move || {
            read_import(
                &bytes,
                &ImportRequest {
                    file_name: &file_name,
                    format: format.as_deref(),
                    module,
                    bank_id: None,
                    bank_name: None,
                    accept: false,
                },
            )
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("reading a bank file: {e}")))??;
        let stored = if request.accept {
            let (bank, files) = imported_bank(&import.items, &import.images, &request)?;
            Some(self.store_bank_version(&bank, files, banks_dir, actor).await?)
        } else {
            None
        };
        let notes = |list: &[ImportProblem]| list.iter().map(ImportNote::from).collect();
        Ok(BankImport {
            format: format.code().to_string(),
            summary: import.summary(),
            read: import.read,
            imported: import.items.len(),
            problems: notes(&import.problems),
            warnings: notes(&import.warnings),
            not_represented: notes(&import.not_represented),
            stored,
        })
    }

    /// The bank in use (`spec`: a folder on the server or "demo", with the office's retired and
    /// reinstated items) in one of the formats that can be read back.
    pub async fn export_bank(&self, spec: &str, format: &str) -> ServiceResult<(Vec<u8>, String)> {
        let format = Format::parse(format)
            .filter(|f| *f != Format::Docx)
            .ok_or_else(|| ServiceError::Invalid(format!("不支持导出为“{format}”：可选 xlsx、qti、moodle、gift")))?;
        let bank = self.bank_in_use(spec).await?;
        let name = format!("{}.{}", super::bank::safe_name(&bank.id), format.extension());
        let bytes = tokio::task::spawn_blocking(move || bank_formats::export(&bank, format))
            .await
            .map_err(|e| ServiceError::Internal(format!("exporting a bank: {e}")))?
            .map_err(|e| match e {
                refused @ bank_formats::ExportError::PicturesNotCarried { .. } => {
                    ServiceError::Invalid(refused.to_string())
                }
                other => ServiceError::Internal(other.to_string()),
            })?;
        Ok((bytes, name))
    }
}
