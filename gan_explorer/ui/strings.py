"""Every word the app shows, in English and Chinese.

Two mechanisms, one table. Fixed text (labels, buttons, lessons) goes through
gr.I18n: the browser translates it, following its language, and the in-app switch
changes it live. Text the server composes (status lines with numbers in them) is
formatted here with ``msg(lang, key, **values)`` in the visitor's language: the switch's
choice for that session, else the browser's Accept-Language.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import gradio as gr

LANGUAGES = ("en", "zh")

EN: dict[str, str] = {
    # ---- page ----------------------------------------------------------------------------------
    "app.title": "# GAN Explorer",
    "app.subtitle": "Train GANs and watch them learn, explore their latent space, ask for a class, "
                    "and catch mode collapse. Every view can be shared as a link.",
    "lang.label": "Language",
    "tab.train": "Train",
    "tab.latent": "Latent explorer",
    "tab.conditional": "Conditional",
    "tab.collapse": "Mode collapse",
    "common.seed": "Seed",
    "common.model": "Model",
    "common.class": "Class",
    "common.randomise": "Randomise",
    "common.copy_link": "Copy link",
    "common.link_placeholder": "A link to exactly this view appears here",
    "tab.open": "Open a checkpoint",
    "open.about": (
        "Open a checkpoint you trained yourself with `python -m gan_explorer train ENTRY --out DIR/NAME`: upload "
        "both of its files, `NAME.safetensors` (the weights) and `NAME.json` (what they are). It is checked in "
        "full (the weights' sha256, the entry it was trained as, the architecture, every tensor's shape) and then "
        "appears as `upload:NAME` in the **Latent explorer** and **Mode collapse** tabs.\n\n"
        "Only safetensors are opened: pickle files (`.pt`, `.pth`, `.ckpt`) can run code when loaded, so they "
        "are refused."
    ),
    "open.files": "NAME.safetensors and NAME.json",
    "open.button": "Open",
    # ---- train ---------------------------------------------------------------------------------
    "train.about.title": "What am I looking at? (the lesson)",
    "train.about": (
        "A GAN trains in three steps, over and over: **D sees real data and learns to say 1**, **D sees G's "
        "fakes and learns to say 0**, then **G learns to make D say 1 on its fakes**.\n\n"
        "- When G is good, D cannot tell real from fake and answers 0.5 for both. Then D's loss sits at the "
        "**ideal value** drawn as a flat line: (1 − 0.5)² = **0.25** for the MSE loss, and −ln 0.5 = "
        "**ln 2 ≈ 0.693** for BCE. The D(x) and D(G(z)) curves meet at 0.5.\n"
        "- A D loss falling to 0 means D wins and G gets no useful signal; wild swings mean the learning rates "
        "are too high. Try doubling `lr_d`, or raising `n_critic`, and watch the curves react.\n"
        "- Samples come from the same fixed noise every time, so you see the *same* latents improve. For the "
        "2-D mixtures the background is D's belief P(real): green where D thinks data lives.\n"
        "- **Pause**, then **Step D** / **Step G** to do one half of the loop and see which curve moves.\n\n"
        "There is one run for the whole server: everyone who opens this page watches (and steers) it, and it "
        "keeps going when you reload or switch tabs."
    ),
    "train.readonly": "**Read-only demo.** You are watching the server's shared training run; starting, "
                      "stopping and saving are switched off on this server.",
    "train.entry": "Zoo entry (model + data + recipe)",
    "train.batch": "Batch size",
    "train.steps": "Steps",
    "train.start": "Start",
    "train.pause": "Pause",
    "train.resume": "Resume",
    "train.step_d": "Step D",
    "train.step_g": "Step G",
    "train.step_both": "Step both",
    "train.apply": "Apply to run",
    "train.stop": "Stop",
    "train.reset": "Reset",
    "train.save": "Save",
    "train.loss_plot": "Losses",
    "train.d_plot": "D's answers: D(x) on real, D(G(z)) on fakes",
    "train.smoothing": "Smoothing",
    "train.samples": "Samples from fixed noise",
    "train.timelapse": "Make timelapse GIF",
    "train.timelapse_out": "Timelapse",
    "train.arch": "Architecture: G and D, parameters and memory",
    # ---- latent --------------------------------------------------------------------------------
    "latent.about.title": "What am I looking at? (the lesson)",
    "latent.about": (
        "G turns a **latent vector** z (a list of random numbers; the seed picks which) into a sample. "
        "Drag the sliders and watch the picture follow.\n\n"
        "- **z[i] sliders** set the first numbers of z directly. Most single numbers change little on their own: "
        "the meaning is spread across all of them.\n"
        "- **Principal directions** (GANSpace) are the directions in z that move G's first layer the most, found "
        "by PCA over 2,000 random latents. They tend to control big, visible changes such as thickness or slant.\n"
        "- **Interpolation**: walking from seed A to seed B changes the picture smoothly, which shows G has "
        "learned a continuous space. **slerp** walks along the sphere where almost all Gaussian latents live; "
        "**lerp**'s straight line cuts through the middle, where latents are unusually short, so its midpoints "
        "often look faded.\n"
        "- **Seed arithmetic**: adding two latents tends to combine features; subtracting one does *not* "
        "behave like removing a feature — the result leaves the region G was trained on.\n\n"
        "A model without shipped weights is freshly initialised: its pictures are noise, and the status line "
        "says so."
    ),
    "latent.dims": "**First latent values** z[0] … z[7]",
    "latent.pcs": "**Principal directions** (offsets along GANSpace PCA directions)",
    "latent.interp": "### Interpolation between two seeds",
    "latent.seed_a": "Seed A",
    "latent.seed_b": "Seed B",
    "latent.steps": "Steps",
    "latent.method": "Method",
    "latent.interp_btn": "Interpolate",
    "latent.strip": "From A to B",
    "latent.arith": "### Seed arithmetic: A + B − C",
    "latent.arith_btn": "Compute A + B − C",
    "latent.alt": "the generator's output for these latent values",
    "latent.export": "Download PNG",
    # ---- conditional ---------------------------------------------------------------------------
    "cond.about.title": "What am I looking at? (the lesson)",
    "cond.about": (
        "A **conditional GAN** gets the class label as an extra input, in G *and* in D: G is asked for a 7, "
        "and D judges whether the picture is a real **7**. So you can choose what it draws.\n\n"
        "- **Class grid**: many latents, one class.\n"
        "- **Class × style**: every row keeps one latent and only the label changes across the columns. "
        "What stays the same along a row (thickness, slant) is *style*, held by z; what changes is the class, "
        "held by the label."
    ),
    "cond.count": "Samples",
    "cond.rows": "Rows (styles)",
    "cond.grid": "This class, many latents",
    "cond.styles": "Class × style (rows share z)",
    # ---- mode collapse -------------------------------------------------------------------------
    "collapse.about.title": "What am I looking at? (the lesson)",
    "collapse.about": (
        "**Mode collapse**: G finds a few outputs that fool D and makes them for every seed. The samples then "
        "repeat themselves, and whole digits (or modes) never appear.\n\n"
        "- **Inspect** draws 2,000 samples (2,500 for the 2-D mixtures) and scores them with the same code as "
        "the benchmarks, each figure beside the same figure for **real held-out data**: that is the yardstick.\n"
        "- For MNIST a separately trained classifier (the *evaluator*) names the digit in every sample. The "
        "**class histogram** should sit on the uniform line; **classes covered** counts digits that get at "
        "least 1 % of the samples; **KL to uniform** is 0 for a perfectly even spread and ln 10 ≈ 2.30 when "
        "every sample is the same digit; the classifier **Inception Score** is high (max 10) when samples are "
        "both clear and varied; the **Fréchet distance** compares the evaluator's features of the samples "
        "with those of real digits (lower is better).\n"
        "- The **wall** has one row per digit: a collapsed GAN fills one row and leaves the rest empty. The "
        "**closest pairs** show near-copies among the samples; **nearest real example** shows each sample beside "
        "the closest training image (a copy would mean memorising instead of generating).\n"
        "- For the 2-D mixtures a sample is *high quality* within 3σ of a mode, and a mode is *captured* when "
        "a high-quality sample lands on it (the VEEGAN / PacGAN protocol).\n"
        "- **Coverage over training time** is measured by the run itself every few hundred steps: pick "
        "**current training run** while something trains in the Train tab."
    ),
    "collapse.source": "Model: a zoo checkpoint or the current training run",
    "collapse.count": "Samples on the wall",
    "collapse.inspect": "Inspect",
    "collapse.bars": "Samples per mode (high quality), and those off every mode",
    "collapse.wall": "**Sample wall**",
    "collapse.histogram": "**Class histogram** of the evaluator's predictions, against uniform",
    "collapse.duplicates": "**The closest pairs** among all samples (RMS distance; near 0 = the same picture twice)",
    "collapse.coverage": "Coverage over training time",
    "collapse.lesson.title": "The textbook lesson: naive MLP GAN vs improved MLP GAN vs DCGAN",
    "collapse.lesson": (
        "Three recipes trained on the same digits, scored by the same evaluator on 2,000 samples each.\n\n"
        "- **mnist-mlp-naive** follows the first recipe of the textbook: MSE loss, sigmoid activations, plain "
        "SGD and a single uniform seed number. G soon finds one blurry shape that D accepts and draws it for "
        "every seed: one row of the wall, one bar of the histogram, KL near ln 10 ≈ 2.30, IS near 1. That is "
        "what **mode collapse** looks like.\n"
        "- **mnist-mlp-improved** changes only the recipe: BCE loss, LeakyReLU, LayerNorm, Adam and 100 normal "
        "seed numbers. The digits come back, and with them the numbers.\n"
        "- **dcgan-mnist** uses convolutions, which share weights across the image: sharper digits, an even "
        "spread, the best scores of the three.\n\n"
        "Pick any of them above to see its wall, histogram and duplicates in full."
    ),
    "collapse.pairs": "**Each sample** (left) **and its nearest real example** (right)",
    # ---- translate (CycleGAN) ------------------------------------------------------------------
    "tab.translate": "Translate",
    "translate.about.title": "What am I looking at? (unpaired translation)",
    "translate.about": (
        "**CycleGAN** learns to turn pictures of one kind (domain A: grey photos) into another (domain B: edge "
        "sketches, dark lines on white) **without a single matching pair**: its photos and its sketches come "
        "from different pictures. Two generators learn A → B and B → A; two discriminators say whether a "
        "result looks like a real member of its domain.\n\n"
        "- What keeps a translation faithful to its input is the **cycle**: photo → sketch → photo must give the "
        "photo back (and sketch → photo → sketch the sketch). The third picture is that round trip; its error "
        "is shown below it.\n"
        "- Sketch → photo has to invent shading it was never told, so it is the harder direction: expect plausible "
        "grey tones, not the true photo.\n"
        "- Large images are scaled so their longer side is 256 px, the scale the networks learned at; colour "
        "is converted to grey.\n\n"
        "Train your own pair with `python -m gan_explorer train cyclegan-photo-sketch --domain-a DIR --domain-b DIR`."
    ),
    "translate.upload": "Image (PNG, JPEG, WebP, TIFF, BMP or GIF)",
    "translate.direction": "Direction",
    "translate.a2b": "A → B: photo → sketch",
    "translate.b2a": "B → A: sketch → photo",
    "translate.run": "Translate",
    "translate.input": "Input (as the network sees it)",
    "translate.output": "Translation",
    "translate.reconstruction": "Cycle reconstruction (translated back)",
    "translate.examples": "Held-out examples (never used in training): click one",
}

ZH: dict[str, str] = {
    "app.title": "# GAN 探索器",
    "app.subtitle": "训练 GAN 并观察它如何学习，探索潜在空间，指定类别生成，识别模式崩溃。每个视图都可以用链接分享。",
    "lang.label": "语言",
    "tab.train": "训练",
    "tab.latent": "潜在空间",
    "tab.conditional": "条件生成",
    "tab.collapse": "模式崩溃",
    "common.seed": "种子",
    "common.model": "模型",
    "common.class": "类别",
    "common.randomise": "随机",
    "common.copy_link": "复制链接",
    "common.link_placeholder": "指向当前视图的链接会显示在这里",
    "tab.open": "打开检查点",
    "open.about": (
        "打开你自己用 `python -m gan_explorer train ENTRY --out DIR/NAME` 训练的检查点：上传它的两个文件，"
        "`NAME.safetensors`（权重）和 `NAME.json`（说明）。它会被完整检查（权重的 sha256、训练时的条目、架构、"
        "每个张量的形状），然后以 `upload:NAME` 出现在**潜在空间**和**模式崩溃**标签页中。\n\n"
        "只打开 safetensors 文件：pickle 文件（`.pt`、`.pth`、`.ckpt`）在加载时可能执行代码，因此会被拒绝。"
    ),
    "open.files": "NAME.safetensors 和 NAME.json",
    "open.button": "打开",
    "train.about.title": "我在看什么？（讲解）",
    "train.about": (
        "GAN 的训练不断重复三步：**D 看真实数据，学着输出 1**；**D 看 G 的伪造样本，学着输出 0**；"
        "然后 **G 学着让 D 对它的伪造样本输出 1**。\n\n"
        "- 当 G 足够好时，D 分不清真假，对两者都回答 0.5。此时 D 的损失停在图中水平线所示的**理想值**："
        "MSE 损失为 (1 − 0.5)² = **0.25**，BCE 损失为 −ln 0.5 = **ln 2 ≈ 0.693**。"
        "D(x) 与 D(G(z)) 两条曲线在 0.5 相遇。\n"
        "- D 的损失降到 0 说明 D 赢了，G 得不到有用的信号；剧烈震荡说明学习率太高。试着把 `lr_d` 加倍，"
        "或提高 `n_critic`，看曲线如何变化。\n"
        "- 样本每次都来自同一组固定噪声，所以你看到的是*同一批*潜在向量在变好。对二维混合分布，背景是 D 认为"
        "“是真实数据”的概率 P(real)：绿色是 D 认为数据所在之处。\n"
        "- 先**暂停**，再按**单步 D** / **单步 G** 只执行循环的一半，看看哪条曲线在动。\n\n"
        "整个服务器只有一个训练任务：打开本页的每个人都在观看（并操控）它，刷新页面或切换标签页后它仍在继续。"
    ),
    "train.readonly": "**只读演示。** 你正在观看服务器上共享的训练任务；本服务器已关闭开始、停止和保存功能。",
    "train.entry": "模型库条目（模型 + 数据 + 训练配方）",
    "train.batch": "批大小",
    "train.steps": "步数",
    "train.start": "开始",
    "train.pause": "暂停",
    "train.resume": "继续",
    "train.step_d": "单步 D",
    "train.step_g": "单步 G",
    "train.step_both": "单步 D+G",
    "train.apply": "应用到训练",
    "train.stop": "停止",
    "train.reset": "重置",
    "train.save": "保存",
    "train.loss_plot": "损失",
    "train.d_plot": "D 的回答：真实数据上的 D(x)，伪造样本上的 D(G(z))",
    "train.smoothing": "平滑",
    "train.samples": "固定噪声生成的样本",
    "train.timelapse": "生成延时动画 GIF",
    "train.timelapse_out": "延时动画",
    "train.arch": "网络结构：G 与 D、参数量与内存",
    "latent.about.title": "我在看什么？（讲解）",
    "latent.about": (
        "G 把一个**潜在向量** z（一串随机数，由种子决定）变成一个样本。拖动滑块，图像随之变化。\n\n"
        "- **z[i] 滑块**直接设置 z 的前几个数。单个数往往影响不大：含义分散在所有数之中。\n"
        "- **主方向**（GANSpace）是 z 中最能改变 G 第一层的方向，通过对 2000 个随机潜在向量做 PCA 得到，"
        "通常控制粗细、倾斜等明显的变化。\n"
        "- **插值**：从种子 A 走到种子 B，图像平滑变化，说明 G 学到了连续的空间。**slerp** 沿着几乎所有高斯潜在向量"
        "所在的球面走；**lerp** 走直线，穿过向量异常短的中心区域，所以中间的图常常显得淡。\n"
        "- **种子算术**：两个潜在向量相加往往能组合特征；减去一个却*不像*去掉某个特征——结果离开了 G 训练过的区域。\n\n"
        "没有预训练权重的模型是全新初始化的：它画出的是噪声，状态行会说明这一点。"
    ),
    "latent.dims": "**前几个潜在值** z[0] … z[7]",
    "latent.pcs": "**主方向**（沿 GANSpace PCA 方向的偏移）",
    "latent.interp": "### 两个种子之间的插值",
    "latent.seed_a": "种子 A",
    "latent.seed_b": "种子 B",
    "latent.steps": "步数",
    "latent.method": "方法",
    "latent.interp_btn": "插值",
    "latent.strip": "从 A 到 B",
    "latent.arith": "### 种子算术：A + B − C",
    "latent.arith_btn": "计算 A + B − C",
    "latent.alt": "生成器对这些潜在值的输出",
    "latent.export": "下载 PNG",
    "cond.about.title": "我在看什么？（讲解）",
    "cond.about": (
        "**条件 GAN** 把类别标签作为额外输入，同时送进 G *和* D：要求 G 画一个 7，D 判断这张图是不是真实的 **7**。"
        "于是你可以选择它画什么。\n\n"
        "- **类别网格**：同一类别，许多潜在向量。\n"
        "- **类别 × 风格**：每一行保持同一个潜在向量，只有各列的标签不同。沿一行不变的（粗细、倾斜）是由 z 决定的"
        "*风格*；变化的是由标签决定的类别。"
    ),
    "cond.count": "样本数",
    "cond.rows": "行数（风格）",
    "cond.grid": "同一类别，不同潜在向量",
    "cond.styles": "类别 × 风格（每行共享 z）",
    "collapse.about.title": "我在看什么？（讲解）",
    "collapse.about": (
        "**模式崩溃**：G 找到少数几个能骗过 D 的输出，然后对每个种子都生成它们。于是样本不断重复，"
        "某些数字（或模式）从不出现。\n\n"
        "- **检查**会生成 2000 个样本（二维混合分布为 2500 个），用与基准测试相同的代码打分，每个指标旁边都是"
        "**真实的留出数据**的同一指标：那就是标尺。\n"
        "- 对 MNIST，一个单独训练的分类器（*评估器*）识别每个样本是哪个数字。**类别直方图**应当贴着均匀线；"
        "**覆盖的类别数**统计得到至少 1% 样本的数字；**与均匀分布的 KL** 在分布完全均匀时为 0，所有样本都是同一"
        "数字时为 ln 10 ≈ 2.30；分类器 **Inception Score** 在样本既清晰又多样时较高（最大 10）；"
        "**Fréchet 距离**比较样本与真实数字在评估器特征空间中的分布（越低越好）。\n"
        "- **样本墙**每行对应一个数字：崩溃的 GAN 只填满一行，其余为空。**最相近的样本对**显示样本之间的近似重复；"
        "**最近的真实样本**把每个样本和最接近的训练图像放在一起（一模一样说明在记忆而非生成）。\n"
        "- 对二维混合分布，距某个模式 3σ 以内的样本为*高质量*样本，有高质量样本落在其上的模式即为*被覆盖*"
        "（VEEGAN / PacGAN 协议）。\n"
        "- **训练过程中的覆盖情况**由训练任务每隔几百步自己测量：在“训练”标签页训练时，选择**当前训练任务**即可查看。"
    ),
    "collapse.source": "模型：模型库中的检查点或当前训练任务",
    "collapse.count": "样本墙上的样本数",
    "collapse.inspect": "检查",
    "collapse.bars": "每个模式的（高质量）样本数，以及不在任何模式上的样本",
    "collapse.wall": "**样本墙**",
    "collapse.histogram": "评估器预测的**类别直方图**，与均匀分布对比",
    "collapse.duplicates": "所有样本中**最相近的样本对**（RMS 距离；接近 0 即同一张图出现两次）",
    "collapse.coverage": "训练过程中的覆盖情况",
    "collapse.lesson.title": "教科书上的一课：朴素 MLP GAN、改进的 MLP GAN 与 DCGAN",
    "collapse.lesson": (
        "三种训练配方，同样的数字数据，由同一个评估器各对 2000 个样本打分。\n\n"
        "- **mnist-mlp-naive** 沿用教科书的第一个配方：MSE 损失、sigmoid 激活、普通 SGD、一个均匀分布的种子数。"
        "G 很快找到一个能被 D 接受的模糊形状，并对每个种子都画它：样本墙只有一行，直方图只有一根柱子，"
        "KL 接近 ln 10 ≈ 2.30，IS 接近 1。这就是**模式崩溃**的样子。\n"
        "- **mnist-mlp-improved** 只改配方：BCE 损失、LeakyReLU、LayerNorm、Adam 和 100 个正态分布的种子数。"
        "数字回来了，指标也随之回来。\n"
        "- **dcgan-mnist** 使用卷积，在整张图上共享权重：数字更清晰，分布均匀，三者中得分最好。\n\n"
        "在上方选择其中任意一个，即可查看它完整的样本墙、直方图和重复样本。"
    ),
    "collapse.pairs": "**每个样本**（左）**与最近的真实样本**（右）",
    # ---- translate (CycleGAN) ------------------------------------------------------------------
    "tab.translate": "图像翻译",
    "translate.about.title": "这是什么？（非配对翻译）",
    "translate.about": (
        "**CycleGAN** 学习把一类图片（域 A：灰度照片）变成另一类（域 B：边缘素描，白底黑线），"
        "**却没有任何一对对应的样本**：它的照片和素描来自不同的图片。两个生成器分别学习 A → B 和 B → A，"
        "两个判别器判断结果像不像本域的真实图片。\n\n"
        "- 让翻译忠实于输入的是**循环**：照片 → 素描 → 照片必须还原出原照片（素描 → 照片 → 素描同理）。"
        "第三张图就是这次往返，下方显示它的误差。\n"
        "- 素描 → 照片需要凭空补出明暗，所以更难：得到的是合理的灰度，而不是真实照片。\n"
        "- 大图会缩放到长边 256 像素（网络学习时的尺度）；彩色图会转为灰度。\n\n"
        "用自己的两组图片训练：`python -m gan_explorer train cyclegan-photo-sketch --domain-a 目录 --domain-b 目录`。"
    ),
    "translate.upload": "图片（PNG、JPEG、WebP、TIFF、BMP 或 GIF）",
    "translate.direction": "方向",
    "translate.a2b": "A → B：照片 → 素描",
    "translate.b2a": "B → A：素描 → 照片",
    "translate.run": "翻译",
    "translate.input": "输入（网络看到的样子）",
    "translate.output": "翻译结果",
    "translate.reconstruction": "循环重建（再翻译回来）",
    "translate.examples": "留出样例（从未用于训练）：点击即可",
}

# Text composed on the server, with values filled in: msg(lang, key, **values).
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "status.pretrained": "`{name}`: pretrained weights from `checkpoints/{where}`{step}.",
        "status.step": "trained {step} steps",
        "translate.result": "**{direction}** at {width} × {height} px · cycle reconstruction PSNR **{psnr} dB** "
                            "(higher is a more faithful round trip){notes}",
        "translate.resized": "scaled down from {width} × {height} to the working size (longer side {side} px)",
        "translate.no_upload": "Please upload an image first (or click one of the examples).",
        "translate.a2b": "A → B: photo → sketch",
        "translate.b2a": "B → A: sketch → photo",
        "translate.grey": "colour converted to grey (this model works in grey)",
        "translate.fresh": "No trained checkpoint ships for `{name}`: these are the outputs of untrained networks.",
        "status.opened": "`{name}`: your checkpoint `{file}`, trained as `{base}`{step}.",
        "open.ok": "Opened **{name}** (trained as `{base}`, step {step}). Pick it in the Latent explorer or the "
                   "Mode collapse tab.",
        "open.need_pair": "Upload exactly two files: NAME.safetensors and NAME.json (got: {got}).",
        "open.pickle": "{file} is a pickle file, which can run code when it is loaded, so it is never opened. "
                       "Upload the .safetensors and .json files that training writes.",
        "open.too_big": "{file} is larger than {limit} MB; the zoo's checkpoints are far smaller.",
        "open.refused": "This checkpoint cannot be opened: {reason}",
        "status.fresh": "`{name}`: no pretrained checkpoint ships for this entry, so this is a **freshly "
                        "initialised** network and its pictures are noise. Train it in the Train tab to see it learn.",
        "train.dataset": "data",
        "train.loss": "loss",
        "train.saved": "Saved to `{path}`.",
        "train.save_failed": "Could not save the checkpoint ({error}); any checkpoint saved before is unchanged.",
        "train.idle": "No run yet. Pick an entry and press **Start**; everyone on this server will watch it.",
        "train.idle_readonly": "Nothing is training on this server right now.",
        "train.progress": "step {step} / {total}",
        "train.rate": "{rate} steps/s · ETA {eta}",
        "train.reason": "Why",
        "train.data": "Data",
        "run.idle": "idle", "run.starting": "starting", "run.running": "running", "run.paused": "paused",
        "run.finished": "finished", "run.stopped": "stopped", "run.error": "error",
        "plot.d_loss": "D loss", "plot.g_loss": "G loss", "plot.vae_loss": "loss", "plot.recon": "reconstruction",
        "plot.ideal": "ideal ({value})", "plot.d_ideal": "0.5: D cannot tell",
        "arch.params": "{count} parameters · {mb} MB",
        "arch.total": "**Total**: {count} parameters, {mb} MB of weights (about {train_mb} MB while training "
                      "with Adam, which keeps two more numbers per weight).",
        "latent.alt": EN["latent.alt"], "latent.export": EN["latent.export"],
        "collapse.no_run": "No training run yet: start one in the Train tab, or pick a zoo model.",
        "collapse.from_run": "The current training run: `{entry}` at step {step}.",
        "collapse.measured": "**{n} samples** from seed {seed}, scored by {scorer}. Real data: {real}.",
        "collapse.scorer.mnist": "the MNIST evaluator classifier",
        "collapse.scorer.modes": "the VEEGAN / PacGAN mode protocol",
        "collapse.scorer.generic": "distances between samples",
        "collapse.table.head": "| | this model | real data |",
        "collapse.row.classes": "Classes covered (≥ 1 % of the samples each)",
        "collapse.row.kl": "KL to uniform (0 = all equally often)",
        "collapse.row.is": "Classifier Inception Score (max {k})",
        "collapse.row.fd": "Fréchet distance to held-out digits (lower is better)",
        "collapse.row.accuracy": "Accuracy of the requested class",
        "collapse.row.modes": "Modes captured",
        "collapse.row.hq": "High-quality samples (within 3σ of a mode)",
        "collapse.row.triples": "Digit triples seen",
        "collapse.row.duplicates": "Near-duplicates (another sample within 0.02 RMS)",
        "collapse.row.diversity": "Diversity (mean RMS distance between two samples)",
        "collapse.row.nearest": "Distance to the nearest training example (mean RMS)",
        "collapse.fd_note": "¹ real against real: held-in against held-out digits, the floor a perfect generator "
                            "would reach.",
        "collapse.verdict.classes_collapsed": "**Mode collapse**: only {covered} of {k} digits are drawn.",
        "collapse.verdict.classes_partial": "**Partial collapse**: {covered} of {k} digits, spread unevenly "
                                            "(KL {kl}).",
        "collapse.verdict.classes_uneven": "**Uneven**: all {k} digits appear, but some far less often than "
                                           "others (KL {kl}).",
        "collapse.verdict.classes_ok": "**Covers every digit**: {covered} of {k}, evenly (KL {kl}).",
        "collapse.verdict.modes_collapsed": "**Mode collapse**: only {captured} of {k} modes captured.",
        "collapse.verdict.modes_partial": "**Partial collapse**: {captured} of {k} modes captured, {missing} missed.",
        "collapse.verdict.modes_ok": "**Covers every mode**: all {k}, with {hq} of the samples of high quality.",
        "collapse.verdict.duplicates": "**Many near-duplicates**: {dup} of the samples have a near-copy "
                                       "(real data: {real}).",
        "collapse.neighbours": "The wall's {count} samples have **{distinct}** distinct nearest real examples "
                               "(mean RMS distance {rms}; near 0 would mean copies of training examples).",
        "collapse.timing": "Measured in {seconds} s.",
        "collapse.off": "off-mode",
        "collapse.wall.plain": "**Sample wall**",
        "collapse.wall.classes": "**Sample wall**, one row per digit the evaluator sees (count · share of all {n} "
                                 "samples)",
        "collapse.wall.modes": "**The samples over the modes**: green captured, red missed (circles: 3σ)",
        "collapse.chart.generated": "generated",
        "collapse.chart.real": "real held-out digits",
        "collapse.chart.real_points": "real data",
        "collapse.chart.uniform": "uniform (1/{k})",
        "collapse.chart.class": "digit, as the evaluator classifies it",
        "collapse.chart.share": "share of samples",
        "collapse.chart.captured": "mode captured",
        "collapse.chart.missed": "mode missed",
        "collapse.series.classes": "classes covered",
        "collapse.series.is": "classifier IS",
        "collapse.series.kl": "KL to uniform",
        "collapse.series.modes": "modes captured",
        "collapse.series.hq": "high-quality %",
        "collapse.series.triples": "digit triples",
        "collapse.series.diversity": "diversity (RMS)",
        "collapse.coverage.live": "Coverage of the `{entry}` run ({status}), measured every {every} steps on the "
                                  "same fixed samples: {points} points so far.",
        "collapse.coverage.idle": "This plot fills while `{entry}` trains: start it in the Train tab and the run "
                                  "measures its coverage every {every} steps.",
        "collapse.coverage.none": "Nothing is training: this plot fills while a run goes (start one in the Train "
                                  "tab).",
        "collapse.lesson.pretrained": "Shipped checkpoint, trained {step} steps.",
        "collapse.lesson.fresh": "**No checkpoint ships for it**: these are fresh, untrained weights, so the "
                                 "numbers describe noise.",
        "collapse.lesson.card": "Classes covered **{covered} / 10** · KL **{kl}** · IS **{is_}**\n\n"
                                "Fréchet distance {fd} · near-duplicates {dup}",
        "collapse.lesson.real": "**Real held-out digits**, same evaluator: classes covered **{covered} / 10** · "
                                "KL **{kl}** · IS **{is_}** · Fréchet distance **{fd}** (held-in against held-out). "
                                "Each card: {n} samples from seed {seed}, computed once per checkpoint.",
        "collapse.run_choice": "current training run",
        "note.share_failed": "The public share link could not be opened (no internet connection?). The app is "
                             "served locally only.",
        "note.share_ok": "Shared publicly at {url}",
        "link.bad": "This link could not be opened ({error}); showing the default view instead.",
    },
    "zh": {
        "status.pretrained": "`{name}`：预训练权重来自 `checkpoints/{where}`{step}。",
        "status.step": "已训练 {step} 步",
        "status.opened": "`{name}`：你的检查点 `{file}`，训练时的条目是 `{base}`{step}。",
        "open.ok": "已打开 **{name}**（训练时的条目 `{base}`，第 {step} 步）。在潜在空间或模式崩溃标签页中选择它。",
        "open.need_pair": "请恰好上传两个文件：NAME.safetensors 和 NAME.json（收到：{got}）。",
        "open.pickle": "{file} 是 pickle 文件，加载时可能执行代码，因此从不打开。请上传训练写出的 .safetensors 和 "
                       ".json 文件。",
        "open.too_big": "{file} 大于 {limit} MB；动物园的检查点远比这小。",
        "open.refused": "无法打开这个检查点：{reason}",
        "status.fresh": "`{name}`：这个条目没有附带预训练检查点，所以这是一个**全新初始化**的网络，画出的是噪声。"
                        "在“训练”标签页训练它，看它如何学习。",
        "train.dataset": "数据",
        "train.loss": "损失",
        "train.saved": "已保存到 `{path}`。",
        "train.save_failed": "无法保存检查点（{error}）；之前保存的检查点保持不变。",
        "train.idle": "还没有训练任务。选择一个条目并按**开始**；这个服务器上的每个人都能看到它。",
        "train.idle_readonly": "这个服务器上目前没有训练任务。",
        "train.progress": "第 {step} / {total} 步",
        "train.rate": "{rate} 步/秒 · 预计剩余 {eta}",
        "train.reason": "原因",
        "train.data": "数据",
        "run.idle": "空闲", "run.starting": "启动中", "run.running": "训练中", "run.paused": "已暂停",
        "run.finished": "已完成", "run.stopped": "已停止", "run.error": "出错",
        "plot.d_loss": "D 损失", "plot.g_loss": "G 损失", "plot.vae_loss": "损失", "plot.recon": "重建",
        "plot.ideal": "理想值 ({value})", "plot.d_ideal": "0.5：D 无法分辨",
        "arch.params": "{count} 个参数 · {mb} MB",
        "arch.total": "**总计**：{count} 个参数，权重占 {mb} MB（用 Adam 训练时约 {train_mb} MB，因为它为每个权重"
                      "多保存两个数）。",
        "latent.alt": ZH["latent.alt"], "latent.export": ZH["latent.export"],
        "collapse.no_run": "还没有训练任务：请在“训练”标签页开始一个，或选择模型库中的模型。",
        "collapse.from_run": "当前训练任务：`{entry}`，第 {step} 步。",
        "collapse.measured": "种子 {seed} 生成的 **{n} 个样本**，由{scorer}打分。真实数据：{real}。",
        "collapse.scorer.mnist": "MNIST 评估分类器",
        "collapse.scorer.modes": "VEEGAN / PacGAN 模式协议",
        "collapse.scorer.generic": "样本之间的距离",
        "collapse.table.head": "| | 本模型 | 真实数据 |",
        "collapse.row.classes": "覆盖的类别数（每类至少占 1% 样本）",
        "collapse.row.kl": "与均匀分布的 KL（0 = 各类一样多）",
        "collapse.row.is": "分类器 Inception Score（最大 {k}）",
        "collapse.row.fd": "到留出数字的 Fréchet 距离（越低越好）",
        "collapse.row.accuracy": "所要求类别的准确率",
        "collapse.row.modes": "覆盖的模式数",
        "collapse.row.hq": "高质量样本（距某个模式 3σ 以内）",
        "collapse.row.triples": "出现的数字三元组",
        "collapse.row.duplicates": "近似重复（0.02 RMS 以内有另一个样本）",
        "collapse.row.diversity": "多样性（两个样本之间的平均 RMS 距离）",
        "collapse.row.nearest": "到最近训练样本的距离（平均 RMS）",
        "collapse.fd_note": "¹ 真实对真实：训练集数字对留出数字，即完美生成器所能达到的下限。",
        "collapse.verdict.classes_collapsed": "**模式崩溃**：{k} 个数字中只画出了 {covered} 个。",
        "collapse.verdict.classes_partial": "**部分崩溃**：画出了 {k} 个数字中的 {covered} 个，分布不均（KL {kl}）。",
        "collapse.verdict.classes_uneven": "**不均匀**：{k} 个数字都出现了，但有些远少于其他（KL {kl}）。",
        "collapse.verdict.classes_ok": "**覆盖所有数字**：{k} 个中的 {covered} 个，分布均匀（KL {kl}）。",
        "collapse.verdict.modes_collapsed": "**模式崩溃**：{k} 个模式中只覆盖了 {captured} 个。",
        "collapse.verdict.modes_partial": "**部分崩溃**：覆盖了 {k} 个模式中的 {captured} 个，漏掉 {missing} 个。",
        "collapse.verdict.modes_ok": "**覆盖所有模式**：全部 {k} 个，高质量样本占 {hq}。",
        "collapse.verdict.duplicates": "**大量近似重复**：{dup} 的样本有近似副本（真实数据：{real}）。",
        "collapse.neighbours": "样本墙上的 {count} 个样本共有 **{distinct}** 个不同的最近真实样本"
                               "（平均 RMS 距离 {rms}；接近 0 说明是训练样本的副本）。",
        "collapse.timing": "测量用时 {seconds} 秒。",
        "collapse.off": "不在模式上",
        "collapse.wall.plain": "**样本墙**",
        "collapse.wall.classes": "**样本墙**：评估器识别出的每个数字一行（数量 · 占全部 {n} 个样本的比例）",
        "collapse.wall.modes": "**样本与各模式**：绿色为已覆盖，红色为漏掉（圆圈：3σ）",
        "collapse.chart.generated": "生成",
        "collapse.chart.real": "真实留出数字",
        "collapse.chart.real_points": "真实数据",
        "collapse.chart.uniform": "均匀分布（1/{k}）",
        "collapse.chart.class": "评估器识别出的数字",
        "collapse.chart.share": "样本占比",
        "collapse.chart.captured": "已覆盖的模式",
        "collapse.chart.missed": "漏掉的模式",
        "collapse.series.classes": "覆盖的类别数",
        "collapse.series.is": "分类器 IS",
        "collapse.series.kl": "与均匀分布的 KL",
        "collapse.series.modes": "覆盖的模式数",
        "collapse.series.hq": "高质量 %",
        "collapse.series.triples": "数字三元组",
        "collapse.series.diversity": "多样性（RMS）",
        "collapse.coverage.live": "`{entry}` 训练任务（{status}）的覆盖情况，每 {every} 步在同一组固定样本上测量一次："
                                  "目前 {points} 个点。",
        "collapse.coverage.idle": "`{entry}` 训练时这张图会逐渐填满：在“训练”标签页开始训练，训练任务每 {every} 步"
                                  "测量一次覆盖情况。",
        "collapse.coverage.none": "当前没有训练任务：有训练进行时这张图会逐渐填满（在“训练”标签页开始一个）。",
        "collapse.lesson.pretrained": "附带的检查点，已训练 {step} 步。",
        "collapse.lesson.fresh": "**这个条目没有附带检查点**：这是全新未训练的权重，所以这些数字描述的是噪声。",
        "collapse.lesson.card": "覆盖的类别数 **{covered} / 10** · KL **{kl}** · IS **{is_}**\n\n"
                                "Fréchet 距离 {fd} · 近似重复 {dup}",
        "collapse.lesson.real": "**真实留出数字**，同一个评估器：覆盖的类别数 **{covered} / 10** · KL **{kl}** · "
                                "IS **{is_}** · Fréchet 距离 **{fd}**（训练集对留出集）。每张卡片：种子 {seed} 生成的 "
                                "{n} 个样本，每个检查点只计算一次。",
        "collapse.run_choice": "当前训练任务",
        "note.share_failed": "无法打开公开分享链接（没有网络连接？）。本应用仅在本地提供服务。",
        "note.share_ok": "公开分享地址：{url}",
        "link.bad": "无法打开这个链接（{error}）；改为显示默认视图。",
        "translate.result": "**{direction}**，{width} × {height} 像素 · 循环重建 PSNR **{psnr} dB**"
                            "（越高表示往返越忠实）{notes}",
        "translate.resized": "已从 {width} × {height} 缩小到工作尺寸（长边 {side} 像素）",
        "translate.no_upload": "请先上传一张图片（或点击一个样例）。",
        "translate.a2b": "A → B：照片 → 素描",
        "translate.b2a": "B → A：素描 → 照片",
        "translate.grey": "彩色已转为灰度（此模型处理灰度图）",
        "translate.fresh": "`{name}` 没有附带训练好的检查点：这些是未训练网络的输出。",
    },
}

# ---- denoise tab (one block, so it merges as one) -----------------------------------------------
EN.update({
    "tab.denoise": "Denoise",
    "denoise.about.title": "What does the denoiser do? (the lesson)",
    "denoise.about": (
        "A **residual** generator predicts the noise-free correction and adds it to its input "
        "(output = net(x) + x), so an untrained network is the identity and training only has to learn the noise. "
        "The **fidelity** preset is trained on pixel loss alone (best PSNR); the **perceptual** preset adds a "
        "WGAN-GP critic that judges texture (sharper, lower PSNR).\n\n"
        "- One blind network per noise type, trained over a range of strengths on patches of scikit-image's "
        "sample photos; the held-out photos (camera, coins, chelsea, rocket) were never seen in training.\n"
        "- Colour images are denoised channel by channel with the grey network (the noise here is independent "
        "per channel).\n"
        "- Large images go through overlapping 512-pixel tiles, so memory stays bounded.\n"
        "- Tick **Add noise** to corrupt a clean photo first: then PSNR and SSIM against the clean photo are shown, "
        "for the denoiser and for the classical filters (non-local means, median, Gaussian blur)."),
    "denoise.upload": "Image (PNG, JPEG, WebP, TIFF, BMP or GIF; grey, RGB or RGBA; up to 16.8 megapixels)",
    "denoise.noise": "Noise type",
    "denoise.preset": "Preset",
    "denoise.preset.fidelity": "Fidelity (best PSNR)",
    "denoise.preset.perceptual": "Perceptual (WGAN-GP, sharper)",
    "denoise.add": "Add noise first (the upload is then the clean reference)",
    "denoise.strength": "Noise strength",
    "denoise.baselines": "Also run the classical filters (images up to 1 megapixel)",
    "denoise.ensemble": "Self-ensemble: passes over flipped and rotated copies, averaged (a little more PSNR, "
                        "that many times the time)",
    "denoise.reference": "Clean reference (optional, for PSNR / SSIM)",
    "denoise.run": "Denoise",
    "denoise.compare": "Input ↔ denoised (drag the divider)",
    "denoise.gallery": "Classical filters",
    "denoise.download": "Denoised image (PNG; 16-bit if the upload was)",
})
ZH.update({
    "tab.denoise": "去噪",
    "denoise.about.title": "去噪器做什么？（课程）",
    "denoise.about": (
        "**残差**生成器预测去噪所需的修正量并加到输入上（输出 = net(x) + x），因此未训练的网络就是恒等映射，"
        "训练只需学会噪声。**保真**预设只用像素损失训练（PSNR 最高）；**感知**预设再加上评判纹理的 WGAN-GP "
        "评论家（更清晰，PSNR 较低）。\n\n"
        "- 每种噪声一个盲去噪网络，在一段强度范围上、用 scikit-image 自带样例照片的图块训练；留出的照片"
        "（camera、coins、chelsea、rocket）从未参与训练。\n"
        "- 彩色图像用灰度网络逐通道去噪（这里的噪声在各通道间相互独立）。\n"
        "- 大图按相互重叠的 512 像素图块处理，内存占用有上限。\n"
        "- 勾选**先加噪声**可先给干净照片加噪：这时会显示相对干净照片的 PSNR 和 SSIM，去噪器和经典滤波器"
        "（非局部均值、中值、高斯模糊）都有。"),
    "denoise.upload": "图像（PNG、JPEG、WebP、TIFF、BMP 或 GIF；灰度、RGB 或 RGBA；最多 1680 万像素）",
    "denoise.noise": "噪声类型",
    "denoise.preset": "预设",
    "denoise.preset.fidelity": "保真（PSNR 最高）",
    "denoise.preset.perceptual": "感知（WGAN-GP，更清晰）",
    "denoise.add": "先加噪声（上传的图像即为干净参考）",
    "denoise.strength": "噪声强度",
    "denoise.baselines": "同时运行经典滤波器（不超过 100 万像素的图像）",
    "denoise.ensemble": "自集成：对翻转和旋转的副本分别去噪再取平均（PSNR 略高，耗时成倍增加）",
    "denoise.reference": "干净参考图（可选，用于 PSNR / SSIM）",
    "denoise.run": "去噪",
    "denoise.compare": "输入 ↔ 去噪结果（拖动分隔线）",
    "denoise.gallery": "经典滤波器",
    "denoise.download": "去噪后的图像（PNG；上传为 16 位时也为 16 位）",
})
MESSAGES["en"].update({
    "denoise.no_upload": "Please upload an image first.",
    "denoise.reference_size": "The clean reference is {ref} pixels but the image is {img}: they must match.",
    "denoise.progress": "Denoising tiles",
    "denoise.progress_baseline": "Classical filter: {method}",
    "denoise.table_head": "| | PSNR (dB) | SSIM |",
    "denoise.row.input": "input (noisy)",
    "denoise.row.model": "denoiser ({preset})",
    "denoise.baselines_skipped": "The classical filters were skipped: the image is larger than {limit} megapixels.",
    "denoise.no_reference": "No clean reference, so no PSNR / SSIM: tick *Add noise* or upload a clean reference.",
    "denoise.done": "Denoised {w} × {h} pixels with `{entry}`, self-ensemble {passes}×.",
    "denoise.fresh": "**No trained weights for this denoiser are shipped**: the output equals the input.",
})
MESSAGES["zh"].update({
    "denoise.no_upload": "请先上传一张图像。",
    "denoise.reference_size": "干净参考图为 {ref} 像素，而图像为 {img}：两者尺寸必须一致。",
    "denoise.progress": "正在逐块去噪",
    "denoise.progress_baseline": "经典滤波器：{method}",
    "denoise.table_head": "| | PSNR（dB） | SSIM |",
    "denoise.row.input": "输入（含噪）",
    "denoise.row.model": "去噪器（{preset}）",
    "denoise.baselines_skipped": "已跳过经典滤波器：图像超过 {limit} 百万像素。",
    "denoise.no_reference": "没有干净参考图，因此没有 PSNR / SSIM：勾选*先加噪声*或上传干净参考图。",
    "denoise.done": "已用 `{entry}` 对 {w} × {h} 像素去噪，自集成 {passes}×。",
    "denoise.fresh": "**此去噪器没有附带训练好的权重**：输出与输入相同。",
})

# svelte-i18n looks a locale up as "zh-CN", then "zh": one Chinese table serves zh, zh-CN and zh-TW.
I18N = gr.I18n(en=EN, zh=ZH)


def T(key: str) -> gr.i18n.I18nData:  # noqa: N802 - the conventional name for "translate"
    """A fixed string, translated in the browser. Unknown keys fail at build time, not in the page."""
    if key not in EN or key not in ZH:
        raise KeyError(f"no translation for {key!r}")
    return I18N(key)


def msg(lang: str, key: str, **values) -> str:
    table = MESSAGES.get(lang, MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**values)


# ---- the visitor's language ------------------------------------------------------------------------

_CHOSEN: OrderedDict[str, str] = OrderedDict()  # session hash -> language picked with the switch
_CHOSEN_LIMIT = 10_000
_LOCK = threading.Lock()


def browser_language(accept_language: str) -> str:
    """'zh' when the browser prefers any Chinese, else 'en' (from an Accept-Language header)."""
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


def lang_of(request: gr.Request | None) -> str:
    if request is None:
        return "en"
    session = getattr(request, "session_hash", None)
    with _LOCK:
        if session and session in _CHOSEN:
            return _CHOSEN[session]
    headers = getattr(request, "headers", None) or {}
    return browser_language(headers.get("accept-language", ""))


def choose_language(lang: str, request: gr.Request | None) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    session = getattr(request, "session_hash", None)
    if session:
        with _LOCK:
            _CHOSEN[session] = lang
            _CHOSEN.move_to_end(session)
            while len(_CHOSEN) > _CHOSEN_LIMIT:
                _CHOSEN.popitem(last=False)
    return lang
