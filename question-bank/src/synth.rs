//! Synthetic banks for benchmarks: any number of well-formed items with the blueprint's
//! distribution (per module and kind in the paper's proportions), as bank files.

use std::fmt::Write;

use crate::blueprint::Blueprint;
use crate::item::ChoiceKind;

/// The files of a synthetic bank, as `(relative path, text)`; the first is `bank.toml`.
/// Item texts are deterministic, so the same `n` always gives the same bank.
pub fn synth_bank(blueprint: &Blueprint, n: u32) -> Vec<(String, String)> {
    let per_paper = (blueprint.objective_items + blueprint.open.offered) as u64;
    let share = |count: u32| -> u32 { ((count as u64 * n as u64).div_ceil(per_paper)) as u32 };
    let mut files = vec![(
        "bank.toml".to_string(),
        format!(
            "id = \"synth-{n}\"\nname = \"合成题库（{n} 题，用于性能测试）\"\ndescription = \"由 kaowu bank synth 生成，题目内容无实际意义。\"\n"
        ),
    )];
    for row in &blueprint.modules {
        let m = row.module.number();
        let mut text = String::new();
        for (kind, count, tag) in [
            (ChoiceKind::Single, row.single, "S"),
            (ChoiceKind::Multi, row.multi, "M"),
        ] {
            for i in 1..=share(count) {
                let id = format!("SY{m}-{tag}-{i:06}");
                let key = match kind {
                    ChoiceKind::Single => ["A", "B", "C", "D"][(i as usize) % 4].to_string(),
                    ChoiceKind::Multi => ["AB", "BCD", "ACD", "ABD", "CD"][(i as usize) % 5].to_string(),
                };
                let kind_name = match kind {
                    ChoiceKind::Single => "single",
                    ChoiceKind::Multi => "multi",
                };
                writeln!(
                    text,
                    "[[item]]\nid = \"{id}\"\nmodule = {m}\nkind = \"{kind_name}\"\nstem = \"合成题 {id}：关于{}的第 {i} 个问题，下列说法正确的是（ ）。\"\noptions = [\"{id} 的选项一\", \"{id} 的选项二\", \"{id} 的选项三\", \"{id} 的选项四\", \"{id} 的选项五\"]\nkey = \"{key}\"\nexplanation = \"合成题，答案为 {key}。\"\ndifficulty = {}\n",
                    row.module.name_zh(),
                    (i % 5) + 1
                )
                .expect("writing to a String cannot fail");
            }
        }
        // Open questions spread over the modules in turn.
        let open_here = share(blueprint.open.offered).div_ceil(blueprint.modules.len() as u32);
        for i in 1..=open_here {
            let id = format!("SY{m}-O-{i:06}");
            writeln!(
                text,
                "[[item]]\nid = \"{id}\"\nmodule = {m}\nkind = \"open\"\nstem = \"合成开放题 {id}：请结合实例论述{}的要点。\"\n[[item.rubric]]\npoint = \"概念准确\"\nshare = 8\n[[item.rubric]]\npoint = \"联系实际\"\nshare = 12\n",
                row.module.name_zh()
            )
            .expect("writing to a String cannot fail");
        }
        files.push((format!("items/m{m}.toml"), text));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Bank;
    use crate::item::ItemKind;

    #[test]
    fn a_synthetic_bank_is_valid_and_keeps_the_distribution() {
        let bp = Blueprint::cmq_2010();
        let bank = Bank::from_files(&synth_bank(&bp, 750)).expect("synthetic bank passes the checks");
        assert!(bank.items.len() >= 750, "{} items", bank.items.len());
        let count = |k: ItemKind| bank.items.iter().filter(|i| i.kind() == k).count();
        assert_eq!(count(ItemKind::Single), 500);
        assert_eq!(count(ItemKind::Multi), 200);
        assert!(count(ItemKind::Open) >= 50);
        assert!(bank.coverage(&bp).sufficient());
    }
}
