"""Slot extraction and comparison (no embeddings involved)."""

from __future__ import annotations

import pytest

from services.cache.semantic import is_equivalent
from services.cache.slots import compare_slots, extract_slots, normalize_text, same_content


@pytest.mark.parametrize("text", ["$50", "50 dollars", "USD 50", "50 USD", "fifty dollars", "50.0 bucks",
                                  "50 US dollars"])
def test_money_normalises(text):
    assert extract_slots(f"refund of {text}").number == ("50|USD",)


@pytest.mark.parametrize("text,expected", [
    ("16GB", "16|GB"), ("16 gigabytes", "16|GB"), ("5 kilometers", "5|km"), ("5 km", "5|km"),
    ("1,000 users", "1000|"), ("twenty five", "25|"), ("€150", "150|EUR"), ("2.5k", "2500|"), ("10%", "10|%"),
])
def test_quantities(text, expected):
    assert expected in extract_slots(f"show {text} please").number


@pytest.mark.parametrize("a,b", [
    ("Book a flight for January 5", "Book a flight for 5 January"),
    ("Revenue for Q1 2024", "Revenue for the first quarter of 2024"),
    ("sales in the last 7 days", "sales in the past 7 days"),
    ("Book a table at 7pm", "Book a table at 7 pm"),
])
def test_equivalent_dates(a, b):
    assert extract_slots(a).date == extract_slots(b).date


@pytest.mark.parametrize("a,b,slot", [
    ("orders over $50", "orders over $60", "number"),
    ("a refund of 50 dollars", "a refund of 50 euros", "currency"),
    ("a 50GB plan", "a 50MB plan", "unit"),
    ("sales in the last 7 days", "sales in the last 30 days", "date"),
    ("transactions from this week", "transactions from last week", "date"),
    ("Why was my payment declined?", "Why wasn't my payment declined?", "negation"),
    ("hotels with free cancellation", "hotels without free cancellation", "negation"),
    ("products under $20", "products over $20", "comparative"),
    ("employees with at least 5 years", "employees with at most 5 years", "comparative"),
    ("the cheapest flights to Rome", "the most expensive flights to Rome", "comparative"),
    ("Convert 100 USD to EUR", "Convert 100 EUR to USD", "currency"),
    ("flights from Paris to London", "flights from London to Paris", "direction"),
    ("Is A better than B?", "Is B better than A?", "direction"),
    ("are bonds riskier than stocks?", "are stocks riskier than bonds?", "direction"),
    ("Did Alex pay me?", "Did I pay Alex?", "order"),
    ("status of order ORD-1234", "status of order ORD-1243", "code"),
    ("what changed in v2.3", "what changed in v2.4", "code"),
    ("weather in Paris", "weather in London", "entity"),
    ("cancel my netflix subscription", "cancel my hulu subscription", "entity"),
    ("Show my usage", "Show my team's usage", "scope"),
    ("Who can see my documents?", "Who can see our documents?", "person"),
    ("Can an admin change billing?", "Can a user change billing?", "role"),
    ("How do I enable dark mode?", "How do I disable dark mode?", "polarity"),
    ("change my shipping address", "change my billing address", "term"),
    ("Why was my order cancelled?", "When was my order cancelled?", "wh"),
    # the heldout10/11 round keeps these apart
    ("What is the fee for a second checked bag?", "What is the fee for a third checked bag?", "number"),
    ("What is the fee for a 2nd checked bag?", "What is the fee for a third checked bag?", "number"),
    ("Can I install software on my work laptop?", "Can I install software on my laptop?", "scope"),
    ("Does my clinic accept Blue Cross?", "Does my clinic accept Blue Shield?", "entity"),
    ("Do you offer a discount for nonprofits?", "Do you offer a discount for businesses?", "negation"),
    ("My laptop won't power on", "My laptop won't power off", "polarity"),
    ("How do I transfer my prescription to another pharmacy?",
     "How do I transfer my prescription to the same pharmacy?", "direction"),
])
def test_mismatch_reason(a, b, slot):
    assert compare_slots(extract_slots(a), extract_slots(b)) == slot
    assert compare_slots(extract_slots(b), extract_slots(a)) == slot


@pytest.mark.parametrize("a,b", [
    ("What is the refund policy for orders over $50?", "What's the refund policy for orders above 50 dollars?"),
    ("flights from Paris to London", "flights to London from Paris"),
    ("What is the refund policy for damaged items?", "For damaged items, what is the refund policy?"),
    ("How do I cancel my subscription?", "How can I stop my subscription?"),
    ("Where is my order ORD-1234?", "Where's order ORD-1234?"),
    ("Compare Python and Java", "Compare Java and Python"),
    ("Which employees haven't completed training?", "Which employees have not completed training?"),
    # the heldout10/11 round: ordinals, shorthand, "tell me", recased names, "work" = company equipment,
    # "power on", plural negative-prefixed words, synonyms inside a direction
    ("What is the fee for a second checked bag?", "how much does a 2nd checked bag cost"),
    ("Where is my order #A48213?", "can u tell me where order A48213 is"),
    ("Does your clinic accept Blue Cross insurance?", "is blue cross accepted at your clinic"),
    ("Can I install software on my work laptop?", "Am I allowed to install programs on my company laptop?"),
    ("My laptop won't turn on. What should I do?", "What should I do if my laptop doesn't power on?"),
    ("Do you offer a discount for nonprofits?", "is there nonprofit pricing available"),
    ("How do I transfer my prescription to another pharmacy?",
     "how can i move my prescription to a different pharmacy"),
    ("What are the symptoms of strep throat?", "what are the signs of strep throat"),
    ("How do I submit an expense report?", "whats the procedure for filing an expense report"),
    ("Where can I get my W-2 form?", "where do i get my w2"),
])
def test_equivalent(a, b):
    assert compare_slots(extract_slots(a), extract_slots(b)) is None


def test_title_case_is_not_all_entities():
    assert extract_slots("How Do I Cancel My Subscription").entity == ()


def test_slots_roundtrip():
    s = extract_slots("Transfer $500 from checking to savings by Friday")
    assert type(s).from_dict(s.to_dict()) == s


def test_normalize_text():
    assert normalize_text("  What’s   the  Refund policy?? ") == "what's the refund policy"


# --- canonicalisation and the relaxed frame check -------------------------------------------------

@pytest.mark.parametrize("a,b", [
    ("What colour is the case?", "What color is the case?"),
    ("How do I organise my files?", "How do I organize my files?"),
    ("Can I deposit a cheque?", "Can I deposit a check?"),
    ("My flight was cancelled", "My flight was canceled"),
    ("How do I change my user name?", "How do I change my username?"),
    ("Where is my voice mail?", "Where is my voicemail?"),
    ("How do I update my e-mail address?", "How do I update my email address?"),
    ("Can I take out $300 at the ATM?", "Can I withdraw $300 at the ATM?"),
    ("Who signed off on the budget?", "Who approved the budget?"),
    ("How do I sign up for the newsletter?", "How do I register for the newsletter?"),
])
def test_surface_variants_are_equivalent(a, b):
    assert is_equivalent(a, b), compare_slots(extract_slots(a), extract_slots(b))


@pytest.mark.parametrize("a,b,slot", [
    ("Can I take out $300 at the ATM?", "Can I deposit $300 at the ATM?", "polarity"),
    ("How do I log in?", "How do I log out?", "polarity"),
    ("Is my suitcase under 50 pounds?", "Is my suitcase under 50 kg?", "unit"),
    ("Can I send 50 pounds to Spain?", "Can I send 50 euros to Spain?", "currency"),
    ("How do I change my user name?", "How do I change my admin name?", "role"),
])
def test_canonicalisation_keeps_real_differences(a, b, slot):
    assert compare_slots(extract_slots(a), extract_slots(b)) == slot


def test_bare_pounds_match_either_reading_but_context_decides():
    assert compare_slots(extract_slots("Is it 50 pounds?"), extract_slots("Is it £50?")) is None
    assert compare_slots(extract_slots("Is it 50 pounds?"), extract_slots("Is it 50 lb?")) is None
    assert extract_slots("Does the fee cost 50 pounds?").number == ("50|GBP",)
    assert extract_slots("Can my bag weigh 50 pounds?").number == ("50|lb",)


def test_impersonal_question_is_first_person():
    a, b = extract_slots("Do we get a bonus this year?"), extract_slots("Is there a bonus this year?")
    assert compare_slots(a, b, similarity=0.9) is None
    assert compare_slots(extract_slots("Is there a bonus this year?"),
                         extract_slots("Does he get a bonus this year?"), similarity=0.9) == "person"


def test_light_insertion_needs_high_similarity_and_no_slot():
    a, b = extract_slots("How do I update the firmware?"), extract_slots("How can I update my device firmware?")
    assert compare_slots(a, b) == "term"                       # no similarity given: strict
    assert compare_slots(a, b, similarity=0.80) == "term"      # below INSERTION_SIMILARITY
    assert compare_slots(a, b, similarity=0.93) is None
    # an inserted prepositional argument, a selecting word or a slot is never light
    for x, y in [("How do I invite teammates?", "How do I invite teammates to the workspace?"),
                 ("Can I bring a bag?", "Can I bring a second bag?"),
                 ("Is there a monthly fee?", "Do you refund a monthly fee?")]:
        assert compare_slots(extract_slots(x), extract_slots(y), similarity=0.99) is not None, (x, y)
    # the one slot insertion that adds nothing: "charge" next to a fee ("is there a fee" = "do you charge a fee")
    a, b = extract_slots("Is there a monthly fee?"), extract_slots("Do you charge a monthly fee?")
    assert compare_slots(a, b, similarity=0.93) is None
    assert compare_slots(a, b, similarity=0.80) == "term"


def test_substitution_stays_strict_at_any_similarity():
    a, b = extract_slots("Change my shipping address"), extract_slots("Change my billing address")
    assert compare_slots(a, b, similarity=0.999) == "term"


def _eq(x: str, y: str, sim: float = 0.93) -> bool:
    return compare_slots(extract_slots(x), extract_slots(y), similarity=sim) is None


def test_idioms_and_verbs_in_context():
    assert _eq("I can't remember my PIN", "I forgot my PIN")              # not a negation
    assert not _eq("I forgot my password", "I remember my password")
    assert _eq("Can I get my money back?", "Can I get a refund?")
    assert _eq("How do I shut down my store?", "How do I close my store?")
    assert not _eq("How do I shut down my server?", "How do I start my server?")
    assert _eq("Can I work from home?", "Can I work remotely?")           # "home" is no source
    assert not _eq("Is my payment late?", "Is my payment on time?", 0.78)
    assert _eq("How do I file a claim?", "How do I submit a claim?")
    assert not _eq("How do I delete the file my boss sent?", "How do I delete the claim my boss sent?")
    assert _eq("I placed an order by mistake", "I made an order by mistake")
    assert _eq("Why is my train late?", "Why is my train delayed?")
    assert not _eq("Is there a late fee?", "Is there an early fee?")      # a selecting word swapped
    assert not _eq("Can I get a new card?", "Can I get a replacement card?")


def test_how_or_where_for_product_actions():
    assert _eq("How do I download my invoices?", "Where can I download my invoices?")
    assert _eq("Where can I find my invoices?", "Where are my invoices located?")
    assert _eq("How to reset my password?", "How do I reset my password?")
    assert not _eq("Where do I change trains?", "How do I change trains?")
    assert not _eq("Where can I view my payslip?", "When can I view my payslip?")


def test_new_after_a_creating_verb_and_capitals():
    assert _eq("How do I add a new payment method?", "How do I add a payment method?")
    assert not _eq("How do I add a new payment method?", "How do I add a payment method?", 0.80)
    assert not _eq("Can I bring a bag?", "Can I bring a new bag?")
    assert _eq("How do I RESET my router?", "How do I reset my router?")
    assert not _eq("How do I RESET my router?", "How do I reset my modem?")
    assert _eq("HOW DO I CHANGE MY EMAIL?", "How do I change my email?")
    assert not _eq("Can I pay with AMEX?", "Can I pay with Visa?")


def test_short_frame_action_swap_and_hyphenated_phrases():
    assert not _eq("How do I cancel my subscription?", "How do I upgrade my subscription?")
    assert not _eq("How do I close my account?", "How do I start my account?")
    assert _eq("Can I change my seat?", "Can I switch my seat?")          # plain verbs: phrasing
    assert _eq("How do I check-in online?", "How do I check in online?")
    assert _eq("What is the check-out time?", "What time is checkout?")
    assert not _eq("Can I pay at checkout?", "Can I pay at check-in?")
    assert not _eq("How do I opt-out of emails?", "How do I opt in to emails?")


def test_short_frame_insertions_are_judged():
    # two inserted content words in a one-word frame are a different question at any similarity
    assert not _eq("Show my direct reports' timesheets", "Show my timesheets", 0.74)
    assert not _eq("Show my direct reports' timesheets", "Show my timesheets", 0.95)
    assert _eq("Where is my refund?", "What happened to my refund?", 0.87)
    assert not _eq("Where is my refund?", "What happened to my refund?", 0.80)


def test_comparative_bounds_and_fillers():
    # "X-er than N" is a bound on N: the direction is what counts
    assert _eq("Show laptops cheaper than $1,000", "Show me laptops under 1000 dollars", 0.86)
    assert _eq("Which vaccines do patients older than 65 need?", "Which vaccines do patients over 65 need?")
    assert not _eq("Show laptops cheaper than $1,000", "Show laptops over $1,000")
    assert not _eq("Show laptops more expensive than $1,000", "Show laptops under $1,000")
    assert not _eq("patients older than 65", "patients younger than 65")
    assert not _eq("patients older than 65", "patients older than 75")
    assert not _eq("flights under 500 dollars", "flights up to 500 dollars")  # strict vs inclusive kept
    # "the best way to X" asks how to X; "the fastest / cheapest way" still selects
    assert _eq("How do I migrate from MySQL to PostgreSQL?",
               "What's the best way to move my database from MySQL to PostgreSQL?", 0.89)
    assert not _eq("What's the fastest way to get to the airport?", "What's the cheapest way to get to the airport?")
    assert not _eq("How do I get to the airport?", "What's the fastest way to get to the airport?")


def test_rephrasings_of_the_same_action():
    assert _eq("Track order #A55821", "Where is my order #A55821?", 0.78)
    assert _eq("Track my package", "How do I track my package?")
    assert not _eq("Track order #A55821", "Cancel order #A55821", 0.78)
    assert _eq("Apply promo code SPRING20", "I'd like to use the promo code SPRING20")
    assert not _eq("Apply promo code SPRING20", "Remove promo code SPRING20")
    assert _eq("Can you explain my phone bill?", "Could you help me understand my phone bill?")
    assert _eq("What's the fee for an international wire transfer?",
               "How much do you charge for international wire transfers?")
    assert not _eq("What's the fee for an international wire transfer?",
                   "How much do you refund for international wire transfers?")
    assert _eq("How do I request parental leave?", "What's the process for applying for parental leave?")
    assert _eq("Which items are not eligible for return?", "What items can't be returned?", 0.79)
    assert not _eq("Which items are eligible for return?", "What items can't be returned?", 0.79)
    assert _eq("What's my data usage this month?", "How much data have I used so far this month?")
    assert not _eq("What's my data usage this month?", "How much data have I used last month?")


def test_once_is_after_and_how_many_days_is_how_long():
    assert _eq("Can I cancel my order after it has shipped?", "Can I cancel my order once it's shipped?")
    assert not _eq("Can I cancel my order before it has shipped?", "Can I cancel my order once it's shipped?")
    assert not _eq("Pay once a month", "Pay after a month")
    assert _eq("How long does a refund take?", "How many days does a refund take?")
    assert not _eq("How many days does shipping take?", "How many hours does shipping take?")
    assert not _eq("How many days until my refund arrives?", "How many days since my refund arrived?")


# --- heldout6 first-look false hits and the classes behind them -------------------------------------------

@pytest.mark.parametrize("a, b, slot", [
    ("my order was delivered but I didn't get a confirmation email",
     "my order wasn't delivered but I got a confirmation email", "negation"),
    ("I paid but didn't receive the item", "I didn't pay but received the item", "negation"),
    ("I was charged but the order wasn't placed", "I wasn't charged but the order was placed", "negation"),
    ("100 Mbps is how many MB per second?", "100 MBps is how many MB per second?", "unit"),
    ("10 Gb", "10 GB", "unit"),
    ("how long to download a 500 MB file", "how long to download a 500 Mb file", "unit"),
    ("a 5 kb file", "a 5 KB file", "unit"),
    ("delete my comment on this post", "delete all comments on this post", "scope"),
    ("delete our messages in the channel", "delete all messages in the channel", "scope"),
    ("remove the user from the workspace", "remove all users from the workspace", "scope"),
    ("archive my project", "archive every project", "scope"),
    ("Can I see my manager's calendar?", "Can my manager see my calendar?", "order"),
    ("Can I message my manager?", "Can my manager message me?", "order"),
    ("Does my manager need to approve my leave?", "Do I need to approve my manager's leave?", "order"),
    ("Can Alice see Bob's calendar?", "Can Bob see Alice's calendar?", "order"),
    ("Can the customer contact the agent?", "Can the agent contact the customer?", "order"),
    ("Table for two at 7", "Table at 2 for 7", "order"),
    ("Am I allowed to bring my dog?", "Am I required to bring my dog?", "modal"),
    ("Do I have to pay a deposit?", "Can I pay a deposit?", "modal"),
    ("Did I get paid?", "Will I get paid?", "tense"),
    ("Was my refund processed?", "Will my refund be processed?", "tense"),
])
def test_heldout6_classes_refused(a, b, slot):
    assert compare_slots(extract_slots(a), extract_slots(b), similarity=0.95) == slot
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.95) == slot


@pytest.mark.parametrize("a, b", [
    ("Can I view my manager's calendar?", "Am I able to see the calendar of my manager?"),
    ("As an admin, how do I add a user?", "How do I add a user as an admin?"),
    ("For my team, how do I create a channel?", "How do I create a channel for my team?"),
    ("Show all my invoices", "Show my invoices"),
    ("How much does each ticket cost?", "How much is a ticket?"),
    ("Are there any fees for transfers?", "Are there fees for transfers?"),
    ("Can I get any discount?", "Can I get a discount?"),
    ("I need to reset my password", "How can I reset my password?"),
    ("When will my order arrive?", "When does my order arrive?"),
    ("Do I need a passport for Mexico?", "Is a passport required for Mexico?"),
    ("Why was I charged twice?", "Why am I being charged twice?"),
    ("Why is my card not working?", "Why doesn't my card work?"),
    ("I don't have access to the folder", "I have no access to the folder"),
    ("16gb RAM laptop", "laptop with 16 GB of RAM"),
    ("Will I get a refund if I cancel?", "Do I get a refund if I cancel?"),
])
def test_heldout6_guards_keep_paraphrases(a, b):
    assert compare_slots(extract_slots(a), extract_slots(b), similarity=0.95) is None


def test_bits_and_bytes_keep_their_case_in_the_exact_key():
    assert normalize_text("100 Mbps") != normalize_text("100 MBps")
    assert normalize_text("16 Gb") != normalize_text("16 GB")
    assert normalize_text("16GB RAM") == normalize_text("16gb ram")


# --- heldout7: the question word's role, and comparatives as bounds vs relations ---------------------------

@pytest.mark.parametrize("a, b", [
    ("Who reports to Dana Kim?", "Who does Dana Kim report to?"),
    ("Who does Alice work for?", "Who works for Alice?"),
    ("Which team does Alice work for?", "Which team works for Alice?"),
    ("What is steel made of?", "What is made of steel?"),
    ("Who does Bob manage?", "Who manages Bob?"),
    ("What does the error cause?", "What causes the error?"),
    ("Who approved my request?", "Who did my request approve?"),
])
def test_wh_role_reversed(a, b):
    assert compare_slots(extract_slots(a), extract_slots(b), similarity=0.98) == "direction"
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.98) == "direction"


@pytest.mark.parametrize("a, b", [
    ("What's included in the Pro plan?", "What does the Pro plan include?"),
    ("Who is managed by Bob?", "Who does Bob manage?"),
    ("What is the Eiffel Tower made of?", "What material is the Eiffel Tower made from?"),
    ("Who reports to Dana Kim?", "Who are Dana Kim's direct reports?"),
])
def test_wh_role_paraphrases(a, b):
    assert compare_slots(extract_slots(a), extract_slots(b), similarity=0.95) is None


@pytest.mark.parametrize("a, b", [
    ("Can't log in after resetting my password", "I reset my password and now I can't sign in"),
    ("I moved, how do I update the address on my driver's license?",
     "How do I change my address on my driver's license after moving?"),
    ("Does my insurance cover physical therapy after knee surgery?",
     "Will physical therapy following my knee surgery be covered by my insurance?"),
    ("My bill went up by $10 this month, why?", "Why is this month's bill ten dollars higher?"),
    ("What GPA do I need to stay on the dean's list?", "To remain on the dean's list, what's the minimum GPA?"),
])
def test_loose_relations_on_one_side(a, b):
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.9) is None


@pytest.mark.parametrize("a, b", [
    ("Can I pay after delivery?", "Can I pay before delivery?"),
    ("Do I need to fast before the blood test?", "Do I need to fast after the blood test?"),
    ("Why is my bill higher this month?", "Why is my bill lower this month?"),
    ("Why did my bill go up?", "Why is my bill lower?"),
    ("What's the minimum balance?", "What's the maximum balance?"),
    ("Products under $20", "Products over $20"),
    ("Employees with at least 5 years of tenure", "Employees with at most 5 years of tenure"),
    ("Orders before March 5", "Orders after March 5"),
    ("Is the minimum deposit $500?", "Is the deposit $500?"),
    ("Is the price higher on weekends?", "Is the price on weekends?"),
])
def test_bounds_and_opposed_relations_refused(a, b):
    assert compare_slots(extract_slots(a), extract_slots(b), similarity=0.95) is not None
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.95) is not None


@pytest.mark.parametrize("a, b", [
    ("Why is my internet so slow in the evening?", "my internet gets really slow every evening, why?"),
    ("Does the company match 401(k) contributions?", "Does the company match 401k contributions?"),
    ("How often should I take 5 mg of amlodipine?", "How frequently do I take amlodipine 5mg?"),
    ("Can I set up a recurring $200 transfer every two weeks?",
     "Can I set up a recurring $200 transfer every other week?"),
    ("Is the Eiffel Tower open on Christmas Day?", "Is the Eiffel Tower open on December 25?"),
    ("Is breakfast included in my 3-night booking?", "Is breakfast included in my three-night booking?"),
    ("What's the rate on the 12-month CD?", "What's the rate on the one-year CD?"),
    ("Why was I charged shipping when my order was over $35?", "My order was over $35 but I paid for shipping - why?"),
])
def test_heldout7_formats_and_habits(a, b):
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.9) is None


@pytest.mark.parametrize("a, b", [
    ("Does the company match 401k contributions?", "Does the company match 403b contributions?"),
    ("How often should I take 5 mg of amlodipine?", "How often should I take 10mg of amlodipine?"),
    ("Can I set up a transfer every other week?", "Can I set up a transfer every other month?"),
    ("Is the museum open on Christmas Day?", "Is the museum open on Christmas Eve?"),
    ("Is breakfast included in my 3-night booking?", "Is breakfast included in my 4-night booking?"),
    ("What's the rate on the 12-month CD?", "What's the rate on the 18-month CD?"),
    ("delete my comment", "delete every comment"),
    ("When does my order ship?", "Why does my order ship?"),
])
def test_heldout7_formats_still_refuse(a, b):
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.95) is not None


@pytest.mark.parametrize("a, b", [
    ("Flights from Portland, Oregon to Denver", "flights to Denver from Portland, OR"),
    ("Best hiking trails near Boulder, CO", "Top hiking trails near Boulder, Colorado"),
    ("What's the fee for sending $50 abroad?", "What's the fee to send $50 abroad?"),
])
def test_states_top_between_sending(a, b):
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.9) is None


def test_between_without_quantities_is_a_loose_relation():
    a = extract_slots("What's the difference between a Roth IRA and a traditional IRA?")
    b = extract_slots("traditional IRA vs Roth IRA - how do they differ?")
    assert compare_slots(b, a, similarity=0.96) != "comparative"  # ("they" is still a person slot)


def test_states_top_between_still_refuse():
    assert compare_slots(extract_slots("Flights from Portland, OR"), extract_slots("Flights from Portland, ME")) \
        == "entity"
    assert compare_slots(extract_slots("the top rated hotels"), extract_slots("the worst rated hotels")) \
        == "comparative"
    assert compare_slots(extract_slots("orders between $5 and $10"), extract_slots("orders of $5 and $10")) \
        is not None


def test_the_company_is_the_default_employer_only_when_nobody_else_is_named():
    def cmp(a, b):
        return compare_slots(extract_slots(b), extract_slots(a), similarity=0.9)
    assert cmp("How long is paternity leave here?", "How many weeks of paternity leave does the company give?") is None
    assert cmp("Does the company match 401(k) contributions?", "Is there an employer 401k match?") is None
    assert cmp("Show the company's holiday calendar", "Show my holiday calendar") is not None
    assert cmp("Show all of the company's invoices", "Show invoices") is not None
    assert cmp("What's the limit on my personal account?", "What's the limit on my business account?") is not None


@pytest.mark.parametrize("a, b", [
    ("Is the hotel within 10 km of the airport?", "Is the hotel less than ten kilometers from the airport?"),
    ("Is the hotel within 10 km of the airport?", "Is the hotel at most 10 km from the airport?"),
    ("Does the Pro plan support up to 10 users?", "Can I have ten users on the Pro plan?"),
    ("Is the office closed on December 24?", "Is the office closed on Dec. 24th?"),
    ("How much does it cost to add 2 extra lines to my plan?", "What's the price of adding two more lines to my plan?"),
    ("Why is my phone bill higher this month?", "How come my phone bill went up this month?"),
    ("Cancel booking reference XK7Q2P.", "Please cancel my reservation XK7Q2P."),
    ("What's the cheapest fare to Rome?", "What's the lowest fare to Rome?"),
])
def test_heldout8_bounds_dates_counts(a, b):
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.9) is None


@pytest.mark.parametrize("a, b", [
    ("Is promo code SPRING20 still valid?", "Does the SPRING20 coupon still work?"),
    ("Where is my order #884213?", "Can you track order #884213 for me?"),
    ("How do I enable two-factor authentication?", "How can I turn on 2FA?"),
    ("Check the status of ticket SR-10457.", "Any update on support ticket SR-10457?"),
    ("When is the registration deadline for Biology 101?", "What's the last day to register for Biology 101?"),
    ("Convert 100 USD to EUR", "How many euros is 100 US dollars?"),
    ("Convert 100 USD to EUR", "How much is 100 US dollars in euros?"),
])
def test_heldout8_same_content_below_threshold(a, b):
    sa, sb = extract_slots(a), extract_slots(b)
    assert same_content(sb, sa) and compare_slots(sb, sa, similarity=0.7) is None


@pytest.mark.parametrize("a, b", [
    ("Is the hotel within 10 km of the airport?", "Is the hotel more than 10 km from the airport?"),
    ("Does the Pro plan support up to 10 users?", "Does the Pro plan support more than 10 users?"),
    ("Does the Pro plan support up to 10 users?", "Does the Pro plan support at least 10 users?"),
    ("Show orders under $50", "Show orders of $50"),
    ("Can I add 2 more users to my plan?", "Can I add 5 more users to my plan?"),
    ("Which bank has the highest fees?", "Which bank has the highest rates?"),
    ("What's the lowest fare to Rome?", "What's the highest fare to Rome?"),
    ("Is renting cheaper than buying in Austin?", "Is buying cheaper than renting in Austin?"),
    ("Is the office closed on Dec. 24th?", "Is the office closed on Dec. 25th?"),
    ("Is promo code SPRING20 still valid?", "Is promo code SPRING25 still valid?"),
    ("Convert 100 USD to EUR", "Convert 100 USD to GBP"),
    ("Convert 100 USD to EUR", "How many euros is 100 Canadian dollars?"),
    ("Show my transactions from the last day", "Show my transactions from the last week"),
])
def test_heldout8_rules_still_refuse(a, b):
    assert compare_slots(extract_slots(b), extract_slots(a), similarity=0.95) is not None
