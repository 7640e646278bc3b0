use jingxuan::text::Analyzer;
fn main() {
    let a = Analyzer::builder().words(["Manner咖啡", "喜茶", "M Stand", "Ｍ记烧腊", "一点点"]).build();
    let d = Analyzer::default();
    for line in std::io::stdin().lines() {
        let line = line.unwrap();
        for (name, an) in [("D", &d), ("N", &a)] {
            let toks = an.analyze(&line);
            let main: Vec<_> = toks.iter().filter(|t| !t.sub_word).map(|t| t.text.as_str()).collect();
            let sub: Vec<_> = toks.iter().filter(|t| t.sub_word).map(|t| t.text.as_str()).collect();
            println!("{name} {line}\t{}\t| {}", main.join(" "), sub.join(" "));
        }
    }
}
