//! The name in pinyin suggested from a Chinese name (姓名拼音, on the certificate, §四 4.1). Only a
//! suggestion: the applicant edits it.
//!
//! The convention is a passport's: surname and given name apart, the surname in capitals, the
//! given name's syllables joined with the first letter capitalised (a two-character surname is
//! joined too, as GB/T 28039 writes names), no tone marks and no apostrophes (a passport and the
//! roster take letters only) — 张三 → "ZHANG San", 欧阳修远 → "OUYANG Xiuyuan". ü is written YU,
//! as passports now write it (吕 → "LYU", 女 → "nyu"), never V or U. A name of several parts joined
//! by a middle dot (少数民族姓名, 买买提·艾力) becomes its parts, each capitalised, with no surname
//! marked.
//!
//! A character's reading comes from the `pinyin` crate (the most common reading first); a surname
//! is read as a surname from the tables below, since several characters are read otherwise as
//! surnames (曾 Zeng, 单 Shan, 区 Ou, 仇 Qiu, 解 Xie, 朴 Piao …), and two-character surnames (欧阳,
//! 司马, 诸葛 …) are taken whole when the name has a character after them.

use pinyin::ToPinyin;

/// Two-character surnames (复姓) and their reading.
const COMPOUND_SURNAMES: &[(&str, &str)] = &[
    ("欧阳", "ouyang"),
    ("司马", "sima"),
    ("诸葛", "zhuge"),
    ("上官", "shangguan"),
    ("东方", "dongfang"),
    ("皇甫", "huangfu"),
    ("尉迟", "yuchi"),
    ("公孙", "gongsun"),
    ("慕容", "murong"),
    ("长孙", "zhangsun"),
    ("宇文", "yuwen"),
    ("司徒", "situ"),
    ("司空", "sikong"),
    ("司寇", "sikou"),
    ("夏侯", "xiahou"),
    ("令狐", "linghu"),
    ("轩辕", "xuanyuan"),
    ("端木", "duanmu"),
    ("独孤", "dugu"),
    ("南宫", "nangong"),
    ("西门", "ximen"),
    ("东门", "dongmen"),
    ("东郭", "dongguo"),
    ("百里", "baili"),
    ("呼延", "huyan"),
    ("澹台", "tantai"),
    ("公冶", "gongye"),
    ("公羊", "gongyang"),
    ("公西", "gongxi"),
    ("公良", "gongliang"),
    ("宗政", "zongzheng"),
    ("濮阳", "puyang"),
    ("太史", "taishi"),
    ("申屠", "shentu"),
    ("钟离", "zhongli"),
    ("闻人", "wenren"),
    ("赫连", "helian"),
    ("万俟", "moqi"),
    ("单于", "chanyu"),
    ("仲孙", "zhongsun"),
    ("颛孙", "zhuansun"),
    ("拓跋", "tuoba"),
    ("左丘", "zuoqiu"),
    ("闾丘", "lyuqiu"),
    ("梁丘", "liangqiu"),
    ("乐正", "yuezheng"),
    ("亓官", "qiguan"),
    ("第五", "diwu"),
    ("谷梁", "guliang"),
    ("羊舌", "yangshe"),
    ("巫马", "wuma"),
    ("漆雕", "qidiao"),
    ("壤驷", "rangsi"),
    ("段干", "duangan"),
    ("子车", "ziju"),
    ("微生", "weisheng"),
    ("鲜于", "xianyu"),
    ("淳于", "chunyu"),
    ("即墨", "jimo"),
    ("完颜", "wanyan"),
];

/// Single-character surnames read otherwise than the character's most common reading (or that
/// have several readings): the surname's reading.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('区', "ou"),
    ('仇', "qiu"),
    ('解', "xie"),
    ('朴', "piao"),
    ('查', "zha"),
    ('盖', "ge"),
    ('华', "hua"),
    ('任', "ren"),
    ('沈', "shen"),
    ('秘', "bi"),
    ('缪', "miao"),
    ('翟', "zhai"),
    ('乐', "yue"),
    ('折', "she"),
    ('种', "chong"),
    ('繁', "po"),
    ('黑', "he"),
    ('能', "nai"),
    ('尉', "wei"),
    ('覃', "qin"),
    ('员', "yun"),
    ('召', "shao"),
    ('句', "gou"),
    ('宓', "mi"),
    ('隗', "wei"),
    ('薄', "bo"),
    ('柏', "bai"),
    ('车', "che"),
    ('长', "chang"),
    ('朝', "chao"),
    ('重', "chong"),
    ('都', "du"),
    ('万', "wan"),
    ('藏', "zang"),
    ('佴', "nai"),
    ('阚', "kan"),
    ('逄', "pang"),
    ('郇', "huan"),
    ('过', "guo"),
    ('曲', "qu"),
    ('卜', "bu"),
    ('石', "shi"),
    ('叶', "ye"),
    ('强', "qiang"),
    ('祭', "zhai"),
    ('谌', "chen"),
    ('殷', "yin"),
    ('燕', "yan"),
    ('纪', "ji"),
    ('贾', "jia"),
    ('莫', "mo"),
    ('那', "na"),
    ('相', "xiang"),
    ('行', "xing"),
    ('粘', "nian"),
    ('冼', "xian"),
    ('洗', "xian"),
    ('蔚', "yu"),
    ('阿', "a"),
    ('吕', "lyu"),
];

/// The name in pinyin as suggested (see the module's doc), or `None` when a character has no
/// reading (a name in Latin letters, a typing slip): then the applicant writes it.
pub fn suggest_pinyin(name: &str) -> Option<String> {
    let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    if name.is_empty() {
        return None;
    }
    if name.contains(['·', '•', '・', '‧', '.']) {
        let parts: Option<Vec<String>> = name
            .split(['·', '•', '・', '‧', '.'])
            .filter(|part| !part.is_empty())
            .map(|part| syllables(part).map(|s| capitalised(&s)))
            .collect();
        return parts.filter(|parts| !parts.is_empty()).map(|parts| parts.join(" "));
    }
    let (surname, given) = surname_of(&name)?;
    let surname = surname.to_uppercase();
    if given.is_empty() {
        return Some(surname);
    }
    Some(format!("{surname} {}", capitalised(&syllables(given)?)))
}

/// The surname's reading and the rest of the name.
fn surname_of(name: &str) -> Option<(String, &str)> {
    let first_two: String = name.chars().take(2).collect();
    if name.chars().count() >= 3
        && let Some((_, reading)) = COMPOUND_SURNAMES.iter().find(|(surname, _)| *surname == first_two)
    {
        return Some(((*reading).into(), &name[first_two.len()..]));
    }
    let first = name.chars().next()?;
    let rest = &name[first.len_utf8()..];
    match SURNAME_READINGS.iter().find(|(c, _)| *c == first) {
        Some((_, reading)) => Some(((*reading).into(), rest)),
        None => Some((syllables(&first.to_string())?, rest)),
    }
}

/// The characters' readings run together, ü written yu; `None` if one has none.
fn syllables(text: &str) -> Option<String> {
    let mut out = String::new();
    for c in text.chars() {
        for letter in c.to_pinyin()?.plain().chars() {
            match letter {
                'ü' => out.push_str("yu"),
                letter => out.push(letter),
            }
        }
    }
    if out.chars().all(|c| c.is_ascii_alphabetic()) {
        Some(out)
    } else {
        None
    }
}

fn capitalised(syllables: &str) -> String {
    let mut chars = syllables.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggest(name: &str) -> String {
        suggest_pinyin(name).unwrap_or_else(|| panic!("no suggestion for {name}"))
    }

    #[test]
    fn surname_in_capitals_given_name_capitalised() {
        assert_eq!(suggest("张三"), "ZHANG San");
        assert_eq!(suggest("王小明"), "WANG Xiaoming");
        assert_eq!(suggest("李"), "LI");
        assert_eq!(
            suggest(" 刘 德华 "),
            "LIU Dehua",
            "spaces typed in the name are ignored"
        );
        assert_eq!(suggest("西安"), "XI An", "no apostrophe (xi'an), as on a passport");
    }

    #[test]
    fn two_character_surnames_are_taken_whole() {
        assert_eq!(suggest("欧阳修远"), "OUYANG Xiuyuan");
        assert_eq!(suggest("司马光"), "SIMA Guang");
        assert_eq!(suggest("诸葛亮"), "ZHUGE Liang");
        assert_eq!(suggest("上官婉儿"), "SHANGGUAN Waner");
        assert_eq!(suggest("尉迟恭"), "YUCHI Gong");
        assert_eq!(suggest("万俟卨"), "MOQI Xie");
        // Two characters only: a one-character surname and a given name.
        assert_eq!(suggest("东方"), "DONG Fang");
    }

    #[test]
    fn polyphonic_surnames_are_read_as_surnames() {
        for (name, expected) in [
            ("曾国藩", "ZENG Guofan"),
            ("单田芳", "SHAN Tianfang"),
            ("区家明", "OU Jiaming"),
            ("仇英", "QIU Ying"),
            ("解缙", "XIE Jin"),
            ("朴树", "PIAO Shu"),
            ("查良镛", "ZHA Liangyong"),
            ("盖叫天", "GE Jiaotian"),
            ("任正非", "REN Zhengfei"),
            ("沈从文", "SHEN Congwen"),
            ("缪海", "MIAO Hai"),
            ("翟志刚", "ZHAI Zhigang"),
            ("乐嘉", "YUE Jia"),
            ("尉缭", "WEI Liao"),
            ("覃塘", "QIN Tang"),
            ("长春", "CHANG Chun"),
        ] {
            assert_eq!(suggest(name), expected, "{name}");
        }
    }

    #[test]
    fn u_umlaut_is_written_yu_as_on_a_passport() {
        assert_eq!(suggest("吕布"), "LYU Bu");
        assert_eq!(suggest("吕女"), "LYU Nyu");
        assert_eq!(suggest("闾丘露薇"), "LYUQIU Luwei");
        assert_eq!(suggest("张绿"), "ZHANG Lyu");
        assert_eq!(suggest("王略"), "WANG Lyue");
        // j, q, x, y + ü are written u in pinyin already.
        assert_eq!(suggest("徐菊"), "XU Ju");
    }

    #[test]
    fn names_in_parts_are_capitalised_part_by_part() {
        assert_eq!(suggest("买买提·艾力"), "Maimaiti Aili");
        assert_eq!(suggest("阿依古丽•吐尔逊"), "Ayiguli Tuerxun");
    }

    #[test]
    fn no_suggestion_when_a_character_has_no_reading() {
        assert_eq!(suggest_pinyin(""), None);
        assert_eq!(suggest_pinyin("   "), None);
        assert_eq!(suggest_pinyin("John Smith"), None);
        assert_eq!(suggest_pinyin("张3"), None);
        assert_eq!(suggest_pinyin("·"), None);
    }

    #[test]
    fn every_table_reading_is_plain_ascii() {
        for (surname, reading) in COMPOUND_SURNAMES {
            assert_eq!(surname.chars().count(), 2, "{surname}");
            assert!(reading.chars().all(|c| c.is_ascii_lowercase()), "{surname}");
        }
        for (surname, reading) in SURNAME_READINGS {
            assert!(reading.chars().all(|c| c.is_ascii_lowercase()), "{surname}");
        }
    }
}
