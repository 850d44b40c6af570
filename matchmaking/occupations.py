"""The occupational fields a need or an opportunity may name: a small bundled list of SSYK 2012 unit groups
(Statistics Sweden's occupational classification, the codes JobTech's taxonomy calls `ssyk-level-4`)
for the kinds of work ASF offer. No network call at run time; extend the list here when a field is missing.

Labels are the official Swedish names, with an English gloss shown in English."""

from __future__ import annotations

from django.utils.translation import get_language

# (SSYK 2012 code, Swedish name, English name)
OCCUPATION_GROUPS: list[tuple[str, str, str]] = [
    ("4322", "Lager- och terminalpersonal", "Warehouse and terminal staff"),
    ("5120", "Kockar och kallskänkor", "Cooks"),
    ("5131", "Hovmästare och servitörer", "Waiters"),
    ("5151", "Städledare och husfruar", "Cleaning supervisors"),
    ("5152", "Fastighetsskötare", "Building caretakers"),
    ("5222", "Butikssäljare, dagligvaror", "Shop assistants, groceries"),
    ("5223", "Butikssäljare, fackhandel", "Shop assistants, specialised shops"),
    ("5230", "Kassapersonal m.fl.", "Cashiers"),
    ("5330", "Vårdbiträden", "Care assistants"),
    ("6112", "Trädgårdsodlare", "Gardeners and horticultural growers"),
    ("6113", "Trädgårdsanläggare m.fl.", "Landscape gardeners"),
    ("7111", "Träarbetare, snickare m.fl.", "Carpenters and joiners"),
    ("7131", "Målare", "Painters"),
    ("7522", "Fin-, inrednings- och möbelsnickare", "Cabinet-makers"),
    ("7531", "Skräddare och ateljésömmerskor m.fl.", "Tailors and dressmakers"),
    ("7612", "Bagare och konditorer", "Bakers and pastry-cooks"),
    ("8214", "Montörer, träprodukter", "Assemblers, wood products"),
    ("8219", "Övriga montörer", "Other assemblers"),
    ("8332", "Lastbilsförare m.fl.", "Lorry drivers"),
    ("8344", "Truckförare", "Forklift drivers"),
    ("9111", "Städare", "Cleaners"),
    ("9119", "Övrig hemservicepersonal m.fl.", "Other domestic service workers"),
    ("9120", "Bilrekonditionerare, fönsterputsare och övriga rengöringsarbetare", "Vehicle and window cleaners"),
    ("9320", "Handpaketerare och andra fabriksarbetare", "Hand packers and other factory workers"),
    ("9332", "Ramppersonal, flyttkarlar och varupåfyllare m.fl.", "Removal workers and shelf fillers"),
    ("9412", "Restaurang- och köksbiträden m.fl.", "Restaurant and kitchen helpers"),
    ("9413", "Kafé- och konditoribiträden", "Café assistants"),
    ("9610", "Renhållnings- och återvinningsarbetare", "Refuse and recycling workers"),
    ("9622", "Vaktmästare m.fl.", "Janitors and odd-job workers"),
    ("9629", "Övriga servicearbetare", "Other service workers"),
]

CODES = frozenset(code for code, _sv, _en in OCCUPATION_GROUPS)


def occupation_label(code: str) -> str:
    english = (get_language() or "sv").startswith("en")
    for known, name_sv, name_en in OCCUPATION_GROUPS:
        if known == code:
            return f"{name_en if english else name_sv} ({code})"
    return code


def occupation_choices() -> list[tuple[str, str]]:
    return [(code, occupation_label(code)) for code, _sv, _en in OCCUPATION_GROUPS]
