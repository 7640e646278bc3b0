fn main() {
    let j = jieba_rs::Jieba::new();
    for line in std::io::stdin().lines() {
        let w = line.unwrap();
        let t: Vec<_> = j.cut(&w, false).iter().map(|t| t.word).collect();
        println!("{w}\t{}\t{}", t.join(" "), j.has_word(&w));
    }
}
