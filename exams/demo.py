"""Demo: a question bank for 互联网营销师 (4-01-02-07) level 5, the live-stream selling rubric,
an exam on the flagship course, a passed attempt for 李春花 and one awaiting scoring for 王军.
Everything goes through the real service functions, so the pass is announced (certificates
and subsidies pick it up when they are installed)."""

import importlib.util
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app

from core.errors import ServiceError
from core.extensions import db
from core.timeutil import now_utc
from courses import service as courses
from exams import attempts, autosave, banks, service

S, M, TF, F = "single", "multiple", "true_false", "fill_in"
QUESTIONS = [
    (S, "直播间中下列哪种表述违反《广告法》的极限用语规定？", ["“全网最低价，国家级产品”*",
     "“今天下单赠送小样”", "“库存还剩 50 件”", "“支持七天无理由退货”"], [], ["广告合规"], 2,
     "“最低价”“国家级”等属于极限用语，《广告法》第九条禁止使用。"),
    (S, "互联网营销师职业编码是？", ["4-01-02-07*", "4-01-02-01", "6-25-04-01", "4-10-01-06"],
     [], ["职业认知"], 1, "互联网营销师归入商务服务人员，编码 4-01-02-07。"),
    (S, "直播带货时，主光源通常放在主播的哪个位置？", ["正前方偏上*", "正后方", "正下方",
     "不需要主光"], [], ["直播准备"], 2, "主光在前上方可以均匀照亮面部，避免阴影。"),
    (S, "讲解商品常用 FAB 法则，其中 A 指的是？", ["优势（Advantage）*", "属性（Attribute）",
     "行动（Action）", "注意（Attention）"], [], ["商品讲解"], 2,
     "FAB：Feature 特征、Advantage 优势、Benefit 利益。"),
    (S, "直播中观众询问“这款保健食品能不能治疗高血压”，正确的回答是？",
     ["保健食品不能代替药物，不具有疾病治疗功能*", "可以，吃一个月就好", "因人而异，可以试试",
      "不回答，继续讲下一个产品"], [], ["广告合规", "互动答疑"], 3,
     "保健食品广告不得涉及疾病预防、治疗功能。"),
    (S, "以下哪项是直播间“憋单”的主要风险？", ["被平台认定为诱导互动并限流处罚*",
     "提高转化率", "降低退货率", "增加粉丝粘性"], [], ["平台规则"], 3,
     "长时间憋单、虚假库存会被平台处罚。"),
    (M, "开播前的设备检查应包括哪些？", ["网络上传速度*", "收音设备*", "补光灯*",
     "主播的私人相册"], [], ["直播准备"], 2, "网络、声音、光线是直播画面质量的三要素。"),
    (M, "下列属于直播营销中禁止行为的是？", ["虚构原价*", "刷单炒信*",
     "冒用他人身份进行推荐*", "如实介绍商品成分"], [], ["广告合规"], 3,
     "《网络直播营销管理办法（试行）》明确禁止虚构交易、虚假宣传。"),
    (M, "提高直播间互动的有效方法有？", ["及时回答观众提问*", "设置合规的抽奖福利*",
     "辱骂同行吸引眼球", "引导观众点赞关注*"], [], ["互动答疑"], 2, ""),
    (M, "农产品直播中，可以用来证明品质的材料有？", ["产地检测报告*", "绿色食品认证*",
     "现场采摘画面*", "编造的获奖证书"], [], ["商品讲解"], 3, "真实、可查证的材料才能使用。"),
    (M, "直播复盘需要关注的数据有？", ["观看人数*", "平均停留时长*", "转化率*",
     "主播的星座"], [], ["数据复盘"], 2, ""),
    (TF, "直播营销人员可以在直播中使用“第一”“最佳”等绝对化用语。", [], [False],
     ["广告合规"], 1, "绝对化用语被《广告法》禁止。"),
    (TF, "直播间销售的商品应当与展示的商品一致。", [], [True], ["平台规则"], 1, ""),
    (TF, "未成年人可以注册成为直播带货主播。", [], [False], ["平台规则"], 2,
     "平台规定不得为未满 16 周岁的未成年人提供主播服务。"),
    (TF, "直播结束后，应当对本场销售数据进行复盘分析。", [], [True], ["数据复盘"], 1, ""),
    (TF, "为了增加销量，可以对商品功效进行适当夸大。", [], [False], ["广告合规"], 1,
     "夸大功效属于虚假宣传。"),
    (F, "讲解商品常用的 ___ 法则包括特征、优势、利益（填三个英文字母）。", [], ["FAB"],
     ["商品讲解"], 2, "FAB 法则。"),
    (F, "《中华人民共和国___法》规定广告不得使用“国家级”“最高级”等用语。", [], ["广告"],
     ["广告合规"], 2, ""),
    (F, "直播间“GMV”指的是商品___总额（两个字）。", [], ["交易", "成交"], ["数据复盘"], 3,
     "GMV：Gross Merchandise Volume，商品交易总额。"),
    (F, "观众下单后付款的比例称为支付___率（两个字）。", [], ["转化"], ["数据复盘"], 3, ""),
]
RUBRIC = [
    {"criterion": "商品讲解", "max_points": 30,
     "descriptor": "卖点清楚（FAB），展示规范，价格与优惠表述准确"},
    {"criterion": "广告合规", "max_points": 25,
     "descriptor": "无极限用语、无虚假宣传，功效与资质表述有依据"},
    {"criterion": "答疑互动", "max_points": 25,
     "descriptor": "及时、准确回答买家提问，引导合规"},
    {"criterion": "时长与流畅度", "max_points": 20,
     "descriptor": "完成不少于 30 分钟直播，节奏流畅，无长时间冷场"},
]


def _question(qtype, text, options, answers, tags, difficulty, explanation) -> dict:
    return {"type": qtype, "text": text, "points": 5, "tags": tags, "difficulty": difficulty,
            "explanation": explanation, "answers": answers,
            "options": [{"text": o.rstrip("*"), "correct": o.endswith("*")} for o in options]}


def _right(item, wrong: bool = False):
    """The key's answer (or a wrong one) for a paper item, as a trainee would give it."""
    question = item.question
    if question.type == "single":
        options = [o["id"] for o in question.options if o["correct"] != wrong]
        return options[0]
    if question.type == "multiple":
        return [o["id"] for o in question.options if o["correct"]][: 1 if wrong else None]
    if question.type == "true_false":
        return question.answers[0] != wrong
    return "不知道" if wrong else question.answers[0]


@contextmanager
def _attendance_for_demo():
    """Until the attendance feature ships demo records, demo trainees count as having
    attended (the real gate applies as soon as it does)."""
    if "attendance" in current_app.config["FEATURES"] and importlib.util.find_spec(
            "attendance.demo") is not None:
        yield
        return
    previous = current_app.extensions.get("attendance_summary")
    current_app.extensions["attendance_summary"] = lambda enrolment: {
        "required_minutes": enrolment.course.required_minutes,
        "attended_minutes": enrolment.course.required_minutes, "ratio": 1.0,
        "eligible_for_exam": True}
    try:
        yield
    finally:
        if previous is None:
            current_app.extensions.pop("attendance_summary", None)
        else:
            current_app.extensions["attendance_summary"] = previous


def sit(trainee, exam, started, mistakes: int):
    """A trainee sits `exam` from `started`, answering all but `mistakes` items right."""
    attempt, _paper = attempts.start_attempt(trainee, exam, now=started)
    for n, item in enumerate(attempt.items):
        autosave.save_answer(trainee, attempt.id, item.question_id,
                             _right(item, wrong=n < mistakes),
                             now=started + timedelta(minutes=1 + n))
    return attempts.submit(trainee, attempt.id, now=started + timedelta(minutes=25))


def load(ctx: dict) -> None:
    instructor = ctx["users"]["instructor"]
    course = ctx["flagship_course"]
    bank = banks.create_bank(instructor, {"occupation_code": course.occupation.code,
                                          "level": course.level,
                                          "title": "互联网营销师（直播销售员）五级理论题库"})
    for row in QUESTIONS:
        banks.add_question(instructor, bank, _question(*row))
    task = banks.add_practical_task(instructor, bank, {
        "title": "直播销售实操：助农产品专场",
        "instructions": "在实训直播间完成一场不少于 30 分钟的农产品带货直播（或提交同等时长的"
                        "录播视频），包括商品讲解、优惠说明和至少 3 个买家问题的回答。",
        "rubric": RUBRIC})
    now = now_utc()
    exam = service.create_exam(instructor, course, {
        "title": "互联网营销师五级职业技能等级认定", "bank_id": bank.id,
        "blueprint": [{"type": "single", "count": 4}, {"type": "multiple", "count": 3},
                      {"type": "true_false", "count": 4}, {"type": "fill_in", "count": 3}],
        "time_limit_minutes": 60, "opens_at": now - timedelta(days=7),
        "closes_at": now + timedelta(days=28), "max_attempts": 2, "pass_theory": 60,
        "pass_practical": 60, "practical_task_id": task.id,
        "review_on_submit": "responses", "review_after_close": "full"})
    db.session.flush()
    ctx["exam"], ctx["question_bank"] = exam, bank
    trainee = ctx["users"]["trainee"]
    with _attendance_for_demo():
        try:
            attempt = sit(trainee, exam, now - timedelta(days=3), mistakes=2)
            attempts.score_practical(instructor, attempt.id, {
                "商品讲解": 26, "广告合规": 22, "答疑互动": 20, "时长与流畅度": 17},
                "讲解清晰，合规意识好；互动节奏可再加强。", now=now - timedelta(days=2))
            ctx["passed_attempt"] = attempt
        except ServiceError as error:  # the attendance demo left her below the gate
            current_app.logger.warning("exams demo: %s has no attempt (%s)", trainee.name,
                                       error.code)
        # 刘洋's attempt awaits the examiner's practical score; 赵丽 (third trainee) attended
        # enough and has not started: the walk's "start the exam" step.
        others = ctx.get("trainees", [])
        if len(others) > 3 and courses.enrolment_for(others[3].id, course.id) is not None:
            try:
                ctx["awaiting_scoring"] = sit(others[3], exam, now - timedelta(days=1),
                                              mistakes=4)
            except ServiceError as error:
                current_app.logger.warning("exams demo: no attempt to score (%s)", error.code)
        if len(others) > 2:
            ctx["exam_ready_trainee"] = others[2]
    db.session.flush()


PAST_QUESTIONS = {  # occupation code: true/false statements and whether each is right
    "6-25-04-01": [("焊接电子元件前应佩戴防静电手环。", True),
                   ("万用表测电阻时可以带电测量。", False),
                   ("贴片元件的极性标记必须与电路板丝印一致。", True),
                   ("电烙铁用完后可以直接放在工作台上。", False),
                   ("装配完成后应按工艺文件进行通电检验。", True),
                   ("仪表校准记录可以事后补填。", False)],
    "4-10-01-05": [("为卧床老人翻身应至少每两小时一次。", True),
                   ("老人噎食时应立即让其平躺喝水。", False),
                   ("协助服药前要核对姓名、药名和剂量。", True),
                   ("为失能老人洗浴时水温越高越好。", False),
                   ("发现老人跌倒后不要急于扶起，先判断伤情。", True),
                   ("护理记录只需记录异常情况。", False)],
    "6-05-05-01": [("平缝机开机前应检查针距与线迹。", True),
                   ("缝纫时手指可以靠近机针以便压料。", False),
                   ("箱包拉链缝合前要先对位打剪口。", True),
                   ("包缝机可以不装护罩使用。", False),
                   ("裁片应按排料图节约用料。", True),
                   ("断针后可以继续缝纫，完工后再换针。", False)],
}


def pass_past_course(ctx: dict, course, trainees: list, sat_at) -> None:
    """A finished course's theory exam (a small bank, no practical part) that `trainees`
    sit at `sat_at`: each pass issues a certificate and opens a claim through the signals.
    The trainees must have attended enough (the real gate applies)."""
    instructor = ctx["users"]["instructor"]
    bank = banks.create_bank(instructor, {
        "occupation_code": course.occupation.code, "level": course.level,
        "title": f"{course.occupation.name_zh}{course.level}级理论题库"})
    for text, right in PAST_QUESTIONS[course.occupation.code]:
        banks.add_question(instructor, bank, _question(TF, text, [], [right], ["理论"], 1, ""))
    exam = service.create_exam(instructor, course, {
        "title": f"{course.title}结业考试", "bank_id": bank.id,
        "blueprint": [{"type": "true_false", "count": 5}], "time_limit_minutes": 30,
        "opens_at": sat_at - timedelta(days=1), "closes_at": sat_at + timedelta(days=2),
        "max_attempts": 1, "pass_theory": 60, "pass_practical": None,
        "practical_task_id": None, "review_on_submit": "responses",
        "review_after_close": "full"})
    db.session.flush()
    for n, trainee in enumerate(trainees):
        sit(trainee, exam, sat_at + timedelta(minutes=40 * n), mistakes=n % 2)
