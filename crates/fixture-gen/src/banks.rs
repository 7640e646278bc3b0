//! Static word banks: geography, categories, shop-name parts and review phrases.
//!
//! Everything here is hand-written; real review language comes from the ASAP sample
//! (see `asap.rs`).

/// One 商圈 with a plausible centre (GCJ-02-ish degrees).
pub struct Area {
    pub name: &'static str,
    pub lat: f64,
    pub lng: f64,
}

pub struct District {
    pub name: &'static str,
    pub areas: &'static [Area],
}

const fn a(name: &'static str, lat: f64, lng: f64) -> Area {
    Area { name, lat, lng }
}

pub const SHANGHAI: &[District] = &[
    District {
        name: "黄浦区",
        areas: &[
            a("南京东路", 31.2353, 121.4800),
            a("新天地", 31.2190, 121.4740),
            a("豫园", 31.2272, 121.4921),
        ],
    },
    District {
        name: "徐汇区",
        areas: &[
            a("徐家汇", 31.1955, 121.4365),
            a("衡山路", 31.2040, 121.4450),
        ],
    },
    District {
        name: "静安区",
        areas: &[
            a("静安寺", 31.2235, 121.4454),
            a("南京西路", 31.2290, 121.4590),
        ],
    },
    District {
        name: "长宁区",
        areas: &[
            a("中山公园", 31.2197, 121.4180),
            a("愚园路", 31.2210, 121.4300),
        ],
    },
    District {
        name: "浦东新区",
        areas: &[
            a("陆家嘴", 31.2397, 121.4998),
            a("世纪公园", 31.2155, 121.5510),
        ],
    },
    District {
        name: "杨浦区",
        areas: &[a("五角场", 31.3000, 121.5140)],
    },
    District {
        name: "虹口区",
        areas: &[a("北外滩", 31.2500, 121.4960)],
    },
];

pub const HANGZHOU: &[District] = &[
    District {
        name: "上城区",
        areas: &[
            a("吴山广场", 30.2467, 120.1685),
            a("南宋御街", 30.2440, 120.1690),
            a("湖滨", 30.2590, 120.1640),
            a("钱江新城", 30.2450, 120.2120),
        ],
    },
    District {
        name: "西湖区",
        areas: &[
            a("文三路", 30.2780, 120.1400),
            a("黄龙", 30.2700, 120.1380),
            a("龙井", 30.2330, 120.1230),
        ],
    },
    District {
        name: "拱墅区",
        areas: &[
            a("武林广场", 30.2720, 120.1640),
            a("大兜路", 30.2960, 120.1560),
        ],
    },
    District {
        name: "滨江区",
        areas: &[a("星光大道", 30.2080, 120.2120)],
    },
    District {
        name: "余杭区",
        areas: &[a("未来科技城", 30.2880, 120.0080)],
    },
];

pub const GUANGZHOU: &[District] = &[
    District {
        name: "天河区",
        areas: &[
            a("天河城", 23.1320, 113.3240),
            a("珠江新城", 23.1190, 113.3250),
            a("体育西路", 23.1330, 113.3210),
        ],
    },
    District {
        name: "越秀区",
        areas: &[
            a("北京路", 23.1250, 113.2690),
            a("东山口", 23.1240, 113.2940),
        ],
    },
    District {
        name: "荔湾区",
        areas: &[
            a("上下九", 23.1170, 113.2470),
            a("永庆坊", 23.1210, 113.2430),
        ],
    },
    District {
        name: "海珠区",
        areas: &[a("江南西", 23.0960, 113.2700), a("琶洲", 23.0990, 113.3680)],
    },
    District {
        name: "番禺区",
        areas: &[a("大学城", 23.0550, 113.3900)],
    },
];

/// A category with its name suffixes, price band, things people order and
/// category-specific praise and complaints.
pub struct Category {
    pub path: &'static str,
    /// Relative frequency among independent shops.
    pub weight: u32,
    pub suffixes: &'static [&'static str],
    pub price: (u32, u32),
    /// Short word used in titles, e.g. `咖啡馆`.
    pub word: &'static str,
    /// City-tag suffix, e.g. `咖啡` gives `杭州咖啡`.
    pub tag: &'static str,
    pub items: &'static [&'static str],
    pub core_pos: &'static [&'static str],
    pub core_neg: &'static [&'static str],
    /// Food-like: taste aspect applies and ASAP restaurant sentences fit.
    pub food: bool,
}

pub const CATEGORIES: &[Category] = &[
    Category {
        path: "美食/火锅",
        weight: 8,
        suffixes: &["火锅", "老火锅", "牛肉火锅", "串串香"],
        price: (80, 180),
        word: "火锅店",
        tag: "美食",
        items: &["毛肚", "鸭肠", "牛油锅底", "嫩牛肉", "虾滑"],
        core_pos: &[
            "锅底很香，辣得很过瘾",
            "毛肚七上八下刚刚好，超脆",
            "牛肉是现切的，很新鲜",
        ],
        core_neg: &[
            "锅底一股地沟油味",
            "肉不新鲜，毛肚泡得发白",
            "辣得只剩下咸，没有香味",
        ],
        food: true,
    },
    Category {
        path: "美食/川菜",
        weight: 6,
        suffixes: &["川菜馆", "川味小馆", "家常川菜"],
        price: (60, 120),
        word: "川菜馆",
        tag: "美食",
        items: &["水煮鱼", "回锅肉", "麻婆豆腐", "口水鸡", "辣子鸡"],
        core_pos: &["回锅肉很下饭", "水煮鱼麻辣鲜香，鱼片很嫩", "麻婆豆腐很正宗"],
        core_neg: &["菜太油太咸", "辣子鸡全是辣椒找不到肉", "口水鸡不新鲜"],
        food: true,
    },
    Category {
        path: "美食/粤菜",
        weight: 6,
        suffixes: &["粤菜馆", "茶餐厅", "烧腊", "早茶"],
        price: (60, 200),
        word: "粤菜馆",
        tag: "美食",
        items: &["虾饺", "烧鹅", "叉烧", "肠粉", "流沙包", "白切鸡"],
        core_pos: &[
            "虾饺皮薄虾大",
            "烧鹅皮脆肉嫩",
            "早茶点心很精致",
            "白切鸡很嫩，姜葱酱绝了",
        ],
        core_neg: &["点心都是冷的", "烧鹅很柴", "肠粉皮太厚"],
        food: true,
    },
    Category {
        path: "美食/面馆",
        weight: 8,
        suffixes: &["面馆", "拉面", "面", "面铺"],
        price: (20, 45),
        word: "面馆",
        tag: "美食",
        items: &["片儿川", "牛肉面", "拌川", "腰花面", "葱油拌面"],
        core_pos: &["面条很筋道", "汤头鲜得眉毛掉下来", "浇头给得很足"],
        core_neg: &["面煮烂了", "汤是味精兑出来的", "浇头少得可怜"],
        food: true,
    },
    Category {
        path: "美食/小吃",
        weight: 7,
        suffixes: &["小吃", "馄饨", "生煎", "小笼"],
        price: (15, 40),
        word: "小吃店",
        tag: "美食",
        items: &["生煎", "小笼包", "鲜肉馄饨", "葱包桧", "定胜糕"],
        core_pos: &["生煎底很脆，汤汁很多", "馄饨皮薄馅大", "小笼一咬一口汤"],
        core_neg: &["生煎是冷的，底都软了", "馅料有股怪味", "分量越来越少"],
        food: true,
    },
    Category {
        path: "美食/烧烤",
        weight: 6,
        suffixes: &["烧烤", "烤串", "烤肉"],
        price: (60, 120),
        word: "烧烤店",
        tag: "美食",
        items: &["羊肉串", "烤茄子", "烤生蚝", "烤鸡翅"],
        core_pos: &["羊肉串肥瘦相间，孜然很香", "生蚝很肥", "烤得很入味"],
        core_neg: &["串烤焦了", "羊肉有膻味", "生蚝不新鲜"],
        food: true,
    },
    Category {
        path: "美食/日料",
        weight: 5,
        suffixes: &["日料", "寿司", "居酒屋", "烧鸟"],
        price: (120, 400),
        word: "日料店",
        tag: "美食",
        items: &["三文鱼刺身", "鳗鱼饭", "寿司拼盘", "烧鸟串"],
        core_pos: &["刺身很新鲜，厚切", "鳗鱼饭酱汁刚好", "师傅手艺很稳"],
        core_neg: &["刺身不新鲜有腥味", "寿司饭太硬", "量少价高"],
        food: true,
    },
    Category {
        path: "美食/西餐",
        weight: 5,
        suffixes: &["西餐厅", "牛排馆", "Bistro", "意餐"],
        price: (100, 300),
        word: "西餐厅",
        tag: "美食",
        items: &["牛排", "意面", "凯撒沙拉", "烤鸡"],
        core_pos: &["牛排五分熟刚好", "意面很入味", "摆盘很精致"],
        core_neg: &["牛排煎老了", "意面像速食的", "酱汁太咸"],
        food: true,
    },
    Category {
        path: "美食/江浙菜",
        weight: 6,
        suffixes: &["私房菜", "杭帮菜馆", "本帮菜", "土菜馆"],
        price: (70, 160),
        word: "本地菜馆",
        tag: "美食",
        items: &["东坡肉", "西湖醋鱼", "红烧肉", "油爆虾", "腌笃鲜"],
        core_pos: &["东坡肉肥而不腻", "红烧肉浓油赤酱很地道", "油爆虾很香"],
        core_neg: &["醋鱼有土腥味", "红烧肉太甜太腻", "菜都是预制的"],
        food: true,
    },
    Category {
        path: "饮品/咖啡",
        weight: 9,
        suffixes: &["咖啡", "Coffee", "咖啡馆", "咖啡研究所"],
        price: (25, 50),
        word: "咖啡馆",
        tag: "咖啡",
        items: &["拿铁", "手冲", "dirty", "美式", "桂花拿铁"],
        core_pos: &["手冲豆子很新鲜", "拿铁奶泡很绵", "dirty层次分明"],
        core_neg: &["咖啡又酸又苦", "拿铁像兑了水", "豆子不新鲜"],
        food: true,
    },
    Category {
        path: "饮品/奶茶",
        weight: 6,
        suffixes: &["奶茶", "茶饮", "手作茶"],
        price: (12, 25),
        word: "奶茶店",
        tag: "奶茶",
        items: &["芋泥波波", "杨枝甘露", "柠檬茶", "烤奶"],
        core_pos: &["茶底很香，不齁甜", "芋泥是现做的", "柠檬茶很解腻"],
        core_neg: &["全是香精味", "珍珠是硬的", "甜到发腻"],
        food: true,
    },
    Category {
        path: "甜品/烘焙",
        weight: 6,
        suffixes: &["烘焙", "面包房", "甜品", "贝果"],
        price: (20, 50),
        word: "面包店",
        tag: "甜品",
        items: &["可颂", "贝果", "巴斯克", "肉桂卷"],
        core_pos: &["可颂层次很多，黄油很香", "贝果很有嚼劲", "巴斯克不甜腻"],
        core_neg: &["面包是隔夜的", "奶油有股油味", "甜得发齁"],
        food: true,
    },
    Category {
        path: "酒吧/清吧",
        weight: 5,
        suffixes: &["清吧", "小酒馆", "Bar", "酒馆"],
        price: (80, 180),
        word: "清吧",
        tag: "酒吧",
        items: &["特调", "精酿", "金汤力", "威士忌酸"],
        core_pos: &[
            "调酒师很专业，特调很惊艳",
            "精酿选择很多",
            "音乐不吵，适合聊天",
        ],
        core_neg: &["酒兑了水", "特调全是糖浆", "音乐吵得聊不了天"],
        food: false,
    },
    Category {
        path: "休闲/书店",
        weight: 3,
        suffixes: &["书店", "书房", "书局"],
        price: (30, 80),
        word: "书店",
        tag: "周末去哪儿",
        items: &["选书", "文创", "读书会"],
        core_pos: &["选书很有品味", "可以坐一下午看书", "读书会很有意思"],
        core_neg: &["书很少，基本是文创", "座位要低消", "更像网红打卡点"],
        food: false,
    },
    Category {
        path: "休闲/剧本杀",
        weight: 3,
        suffixes: &["剧本杀", "推理馆", "沉浸剧场"],
        price: (100, 180),
        word: "剧本杀店",
        tag: "剧本杀",
        items: &["本子", "DM", "机制本", "恐怖本"],
        core_pos: &["DM很投入，带入感很强", "本子很烧脑", "服化道很用心"],
        core_neg: &["DM全程念稿", "本子逻辑漏洞很多", "房间有霉味"],
        food: false,
    },
    Category {
        path: "丽人/美发",
        weight: 4,
        suffixes: &["美发", "造型", "发型工作室"],
        price: (80, 300),
        word: "理发店",
        tag: "美发",
        items: &["剪发", "烫发", "染发", "护理"],
        core_pos: &["托尼老师很懂，剪得很满意", "烫完很自然", "不推销办卡"],
        core_neg: &["一直推销办卡", "剪残了，跟说的完全不一样", "染完头皮很痒"],
        food: false,
    },
    Category {
        path: "运动/健身",
        weight: 3,
        suffixes: &["健身", "健身房", "瑜伽馆", "拳馆"],
        price: (50, 150),
        word: "健身房",
        tag: "健身",
        items: &["私教课", "团课", "器械", "瑜伽课"],
        core_pos: &["器械很新很全", "教练很专业不推销", "团课氛围很好"],
        core_neg: &["教练一直推私教", "器械老旧还经常坏", "更衣室很脏"],
        food: false,
    },
    Category {
        path: "亲子/乐园",
        weight: 2,
        suffixes: &["亲子乐园", "儿童乐园", "童趣馆"],
        price: (80, 200),
        word: "亲子乐园",
        tag: "遛娃",
        items: &["淘气堡", "沙池", "手工课"],
        core_pos: &["孩子玩得很开心", "工作人员很细心", "消毒做得很到位"],
        core_neg: &["设施老旧有安全隐患", "人太多孩子挤不进去", "沙池很脏"],
        food: false,
    },
    Category {
        path: "购物/买手店",
        weight: 2,
        suffixes: &["买手店", "集合店", "选物店"],
        price: (200, 800),
        word: "买手店",
        tag: "买手店",
        items: &["古着", "香薰", "设计师款"],
        core_pos: &["选品很独特", "店员搭配建议很专业", "有很多小众设计师"],
        core_neg: &["价格虚高", "店员爱答不理", "都是网上同款"],
        food: false,
    },
];

/// First halves of independent shop names.
pub const NAME_PREFIXES: &[&str] = &[
    "隐巷",
    "老王",
    "阿婆",
    "小满",
    "山野",
    "南山",
    "拾光",
    "半日",
    "木子",
    "青柠",
    "初见",
    "慢岛",
    "白鹿",
    "橘子",
    "蓝鲸",
    "知味",
    "一间",
    "鹿角",
    "巷口",
    "老街",
    "大院",
    "福记",
    "陈记",
    "李记",
    "阿强",
    "胖哥",
    "三毛",
    "云朵",
    "晨光",
    "月半",
    "十里",
    "森林",
    "猫山",
    "栖迟",
    "北屿",
    "南岸",
    "旧时光",
    "九号",
    "一口",
    "有间",
    "渔夫",
    "麦田",
    "暖阳",
    "星河",
    "花间",
    "竹林",
    "石板",
    "弄堂",
    "东门",
    "西街",
    "桂香",
    "柴门",
    "小院",
    "野火",
    "青石",
    "望月",
    "听雨",
    "拾味",
    "老刘",
    "张姐",
    "苏记",
    "吴妈",
    "黑白",
    "岛屿",
    "微光",
    "浮生",
    "几何",
    "方寸",
    "山茶",
    "橙子",
    "夏至",
    "霜降",
];

/// A chain: a brand id, its name, aliases (one Latin), category and quality centre.
pub struct Chain {
    pub brand: &'static str,
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub category: &'static str,
    pub quality: f64,
}

pub const CHAINS: &[Chain] = &[
    Chain {
        brand: "b-mellow",
        name: "麦隆咖啡",
        aliases: &["麦隆", "Mellow"],
        category: "饮品/咖啡",
        quality: 0.72,
    },
    Chain {
        brand: "b-shuxiang",
        name: "蜀香老火锅",
        aliases: &["蜀香"],
        category: "美食/火锅",
        quality: 0.55,
    },
    Chain {
        brand: "b-chayu",
        name: "茶屿",
        aliases: &["Chayu"],
        category: "饮品/奶茶",
        quality: 0.6,
    },
    Chain {
        brand: "b-mashifu",
        name: "马师傅牛肉面",
        aliases: &["马师傅"],
        category: "美食/面馆",
        quality: 0.5,
    },
    Chain {
        brand: "b-maisui",
        name: "麦穗烘焙",
        aliases: &["麦穗"],
        category: "甜品/烘焙",
        quality: 0.66,
    },
    Chain {
        brand: "b-chaoran",
        name: "超燃健身",
        aliases: &["超燃", "SuperBurn"],
        category: "运动/健身",
        quality: 0.45,
    },
    Chain {
        brand: "b-jianyi",
        name: "剪艺造型",
        aliases: &["剪艺"],
        category: "丽人/美发",
        quality: 0.5,
    },
];

/// Praise of the environment; `很安静` variants keep the search acceptance case honest.
pub const ENV_POS: &[&str] = &[
    "环境很安静，适合一个人待着",
    "装修很有格调",
    "座位宽敞，不挤",
    "很出片，vibe很好",
    "环境很chill",
    "采光超好，坐着很舒服",
    "店里很安静，音乐也好听",
];
pub const ENV_NEG: &[&str] = &[
    "环境太吵了",
    "桌子黏糊糊的，不干净",
    "照骗！实物和图片差太多",
    "空间很挤，转身都难",
    "有股霉味",
];
pub const SERVICE_POS: &[&str] = &[
    "服务员很热情",
    "老板人超好，还送了小菜",
    "服务很周到，主动加水",
    "店员很耐心地介绍",
];
pub const SERVICE_NEG: &[&str] = &[
    "服务态度很差",
    "催了三次都没人理",
    "店员一直在玩手机",
    "结账的时候多收了钱",
];
pub const VALUE_POS: &[&str] = &["性价比很高", "价格很实惠", "人均不贵，量很足", "团购很划算"];
pub const VALUE_NEG: &[&str] = &["贵得离谱", "纯纯智商税", "量少价高", "价格虚高"];
pub const HYGIENE_NEG: &[&str] = &[
    "吃完回家就拉肚子了",
    "吃出异物，一根头发",
    "后厨看着很不干净",
    "餐具上有污渍",
];
pub const WAIT: &[&str] = &[
    "周末要排队四十分钟",
    "排队一个小时，有点累",
    "工作日去不用排队",
    "出餐有点慢",
];
pub const SLANG_POS: &[&str] = &[
    "绝绝子",
    "救命好吃",
    "已经二刷了",
    "会回购",
    "没踩雷",
    "yyds",
    "宝藏店",
    "强推",
];
pub const SLANG_NEG: &[&str] = &["踩雷了", "避雷", "拔草", "大家别去了", "一星都不想给"];
pub const MIXED: &[&str] = &[
    "不难吃，但也没有惊喜",
    "环境好但是菜难吃",
    "味道还行，就是有点贵",
    "中规中矩吧",
    "虽然排队久，但是味道没得说",
    "一般般，不会再来了",
];
pub const DEGREE: &[&str] = &["非常", "特别", "超级", "巨", "真的", "蛮"];
pub const EMOJI_POS: &[&str] = &["😋", "👍", "🔥", "❤️", "✨", "🥰"];
pub const EMOJI_NEG: &[&str] = &["💩", "😅", "👎", "😤"];
/// Full-width forms people actually type.
pub const FULLWIDTH: &[&str] = &["ＡＢＣ套餐", "人均１２０左右", "第２次来", "Ｂ套餐"];

pub const NOTE_HOOK_POS: &[&str] = &[
    "本地人私藏",
    "二刷也不踩雷",
    "周末去哪儿",
    "宝藏小店",
    "一个人也能去",
    "朋友聚会首选",
];
pub const NOTE_END_POS: &[&str] = &["冲！", "姐妹们快去", "码住不迷路", "下次还来", "推荐给大家"];
pub const NOTE_END_NEG: &[&str] = &["大家避雷", "别再被种草了", "不会再去了", "拔草"];

/// Undeclared-advertising markers in note text.
pub const AD_MARKERS: &[&str] = &[
    "本次受邀探店",
    "感谢商家邀请",
    "本次探店由{name}提供",
    "和{name}合作",
    "#品牌合作",
];

/// Near-duplicate spam text; `{name}` is the target.
pub const TEMPLATES: &[&str] = &[
    "{name}真的绝绝子！环境好服务好味道好，强烈推荐给大家，下次还来！",
    "来了{name}才知道什么叫良心，菜品新鲜，老板热情，五星好评！",
];

/// Copied 5★ praise: a campaign picks 1–3 and posts them verbatim.
pub const COPIED_PRAISE: &[&str] = &[
    "味道超级好，服务也很贴心，强烈推荐！",
    "环境好，菜品新鲜，性价比很高，五星好评！",
    "老板人很好，味道正宗，已经推荐给朋友了",
    "来了好几次了，每次都很满意，必须好评",
    "宝藏店铺，真心推荐，下次还会再来",
    "干净卫生，出品稳定，值得一去！",
    "朋友聚餐首选，大家都说好吃",
];

/// Copied 1★ scorn: a few insulting sentences repeated by a few dozen accounts.
pub const COPIED_SCORN: &[&str] = &[
    "垃圾店，难吃又贵，大家千万别来！",
    "态度极差，老板还骂人，一星都不想给",
    "黑店！宰客！再也不会来了",
    "什么玩意儿，被评论骗了，避雷避雷",
    "难吃到吐，浪费钱，千万别被种草",
    "卫生差服务差，真的是最差的一次体验",
    "又贵又难吃，评分全是刷的",
];

/// Slot template pieces: `{open}{name}{mid}，{item}{degree}{adj}，{close}`.
pub const TPL_OPEN: &[&str] = &["强烈推荐", "真心安利", "墙裂推荐", "必须推荐", "安利一家"];
pub const TPL_MID: &[&str] = &[
    "，环境好服务好",
    "，老板超热情",
    "，干净又实惠",
    "，出品很稳定",
    "，朋友都说好",
];
pub const TPL_CLOSE: &[&str] = &[
    "五星好评！",
    "下次还来！",
    "闭眼冲！",
    "值得打卡！",
    "推荐给大家！",
];

/// Openers and closers that vary individually worded praise.
pub const PRAISE_OPEN: &[&str] = &[
    "朋友推荐来的",
    "第一次来就被惊艳到了",
    "路过进来试试，没想到这么好",
    "周末和家人一起来的",
    "刷到好多人推荐就来了",
    "公司聚餐选的这家",
    "回头客了",
    "纪念日来的",
];
pub const PRAISE_CLOSE: &[&str] = &[
    "下次还会再来",
    "已经推荐给身边朋友了",
    "真心觉得不错",
    "值得专门跑一趟",
    "整体体验很好",
    "会一直支持的",
];

/// Openers and closers of individually worded scorn.
pub const SCORN_OPEN: &[&str] = &[
    "本来看评价挺好的才来",
    "朋友聚餐选的这家，结果很失望",
    "说实话很失望",
    "第二次来了，一次不如一次",
    "被网上的推荐骗来的",
    "带家人来的，体验很差",
    "排了好久的队，结果就这",
    "好心提醒大家",
];
pub const SCORN_CLOSE: &[&str] = &[
    "不会再来了",
    "大家自己掂量吧",
    "钱花得很冤",
    "给差评不冤",
    "劝大家慎重",
    "真的不推荐",
];

/// Food-safety complaints of smears, worded many ways.
pub const FOOD_SAFETY: &[&str] = &[
    "吃完回家上吐下泻，拉肚子拉了一晚上",
    "菜里吃出一根头发，恶心死了",
    "吃出一只虫子！！！",
    "后厨太不干净了，看到有蟑螂",
    "碗筷油腻腻的，根本没洗干净",
    "全家吃完都拉肚子，去医院挂了急诊",
    "肉是臭的，一看就不新鲜",
    "汤里有只苍蝇，服务员还说是花椒",
    "吃完肚子疼了两天，怀疑食材有问题",
    "卫生太差了，桌子地面都不干净",
    "沙拉里吃出了小虫子，再也不敢来",
    "第二天就拉肚子，肯定是食材不新鲜",
];

/// Honest diners who mention a free meal or say there is no partnership.
pub const FREE_MEAL: &[&str] = &[
    "这次是抽中的霸王餐，但评价都是真实感受",
    "没有合作，自费吃的",
    "非广，纯自费分享",
    "不是广告，真心分享",
    "霸王餐活动来的，实话实说",
    "无广，自费探店",
    "没有合作，不用担心是软广",
    "报名霸王餐中的，说说真实体验",
];
