//! Not yet read.

use crate::draft::Reading;
use crate::report::{ImportProblem, Place};

pub fn read(file_name: &str, _input: &[u8]) -> Reading {
    Reading {
        file_problems: vec![ImportProblem {
            file: file_name.to_string(),
            place: Place::File,
            item: None,
            field: None,
            message: "尚不支持此格式".into(),
        }],
        ..Reading::default()
    }
}

pub fn export(_bank: &question_bank::Bank) -> Result<Vec<u8>, zip::result::ZipError> {
    Ok(Vec::new())
}
