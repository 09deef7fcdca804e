"""Demo users: one per role (README.md lists the logins)."""

from accounts import idcard, service
from accounts.models import KeyGroupDeclaration

DEMO_PASSWORD = "skillbridge-demo"

STAFF = [
    ("admin", "admin@demo.skillbridge.cn", "系统管理员", "13600136000"),
    ("officer", "officer@demo.skillbridge.cn", "周敏（补贴科）", "13600136001"),
    ("instructor", "instructor@demo.skillbridge.cn", "陈立新老师", "13600136002"),
    ("enterprise", "hr@demo-luggage.example.cn", "平湖箱包有限公司人事部", "13600136003"),
]
TRAINEES = [
    ("trainee@demo.skillbridge.cn", "李春花", "43010219900307002", "13800138000", "430102",
     ["rural_migrant", "poverty_registered"]),
    ("wang.jun@demo.skillbridge.cn", "王军", "33010519950812003", "13900139000", "330105",
     ["laid_off"]),
    ("zhao.li@demo.skillbridge.cn", "赵丽", "33048219990214002", "13700137000", "330482",
     ["college_graduate"]),
    # 刘洋's exam waits for the instructor's practical score (exams demo).
    ("liu.yang@demo.skillbridge.cn", "刘洋", "33048219970521003", "13500135000", "330482",
     ["rural_migrant"]),
]


# Four eyes needs a second officer; the third works for Jiaxing (嘉兴市) only.
MORE_OFFICERS = [
    ("officer2", "officer2@demo.skillbridge.cn", "吴刚（复核）", ()),
    ("officer_jiaxing", "jiaxing.officer@demo.skillbridge.cn", "沈玲（嘉兴市）", ("330400",)),
]


def load(ctx: dict) -> None:
    from accounts import scope

    users = ctx.setdefault("users", {})
    for role, email, name, phone in STAFF:
        users[role] = service.create_staff(None, role, email, DEMO_PASSWORD, name, phone=phone,
                                           organisation=name if role == "enterprise" else None)
    for key, email, name, regions in MORE_OFFICERS:
        users[key] = service.create_staff(None, "officer", email, DEMO_PASSWORD, name)
        if regions:
            scope.set_regions(None, users[key], regions)
    trainees = ctx.setdefault("trainees", [])
    for email, name, first17, phone, region, groups in TRAINEES:
        user = service.register_trainee(service.Registration(
            email=email, password=DEMO_PASSWORD, name=name, id_number=idcard.make_valid(first17),
            phone=phone, region_code=region, key_groups=groups, consent=True))
        trainees.append(user)
    users["trainee"] = trainees[0]
    # The first trainee's rural-migrant status has been confirmed by the officer already.
    declaration: KeyGroupDeclaration = trainees[0].profile.key_groups[1]
    declaration.status = "confirmed"
    declaration.decided_by_id = users["officer"].id
