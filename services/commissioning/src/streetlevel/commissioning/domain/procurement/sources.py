"""The published sources each rule cites (the stored copies read when the rules were written)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A citable source: title, the section relied on, and where its text was read."""

    title: str
    section: str
    url: str

    def cite(self) -> str:
        return f"{self.title}, {self.section}"


ACT = "Procurement Act 2023"
ACT_SCH1_2024 = Source(
    ACT, "Schedule 1 (as enacted)", "https://legislation.gov.uk/ukpga/2023/54/schedule/1/2024-02-06"
)
ACT_SCH1_2025 = Source(
    ACT,
    "Schedule 1 as amended by the Consequential and Other Amendments Regulations 2025",
    "https://www.procurementpathway.civilservice.gov.uk/documents/guidance/thresholds",
)
ACT_SCH1_2026 = Source(
    "Procurement Act 2023 (Threshold Amounts) (Amendment) Regulations 2025 (SI 2025/1200)",
    "Schedule 1 rows 10 and 12 from 1 January 2026, for procurements started on or after it",
    "https://insights.devonshires.com/post/102lxjy/new-public-procurement-thresholds-from-1-january-2026",
)
ACT_SCH1_2026_WALES = Source(
    "Procurement Act 2023 (Threshold Amounts) (Amendment) (Wales) Regulations 2025 (WPPN 017)",
    "Schedule 1 for devolved Welsh authorities from 12.05 a.m. on 1 January 2026",
    "https://content.govdelivery.com/accounts/UKWALES/bulletins/4001bb7",
)
ACT_S3 = Source(
    ACT,
    "s.3(2) (public contract: supply for pecuniary interest, value not less than threshold)",
    "https://bclplaw.com/en-US/events-insights-news/part-4-procurement-act-2023-implied-terms-contract-performance-and-transparency.html",
)
ACT_S4_SCH3 = Source(
    ACT,
    "s.4 and Schedule 3 (valuation; no artificial subdivision)",
    "https://www.gov.uk/government/publications/procurement-act-2023-guidance-documents/guidance-valuation-of-contracts-html",
)
ACT_S84_85 = Source(
    ACT,
    "ss.84-85 (regulated below-threshold contracts; no suitability restriction on tendering)",
    "http://www.legislation.gov.uk./ukpga/2023/54/part/6/data.xht?view=snippet&wrap=true",
)
ACT_S86 = Source(
    ACT,
    "s.86 (below threshold: have regard to barriers facing SMEs)",
    "https://blog.anthonycollins.com/post/102k9j7/procurement-unpacked-small-business-big-impact",
)
ACT_S87 = Source(
    ACT,
    "s.87 (notifiable below-threshold contracts: £30,000, or £12,000 for central government)",
    "https://blog.anthonycollins.com/post/102k5a7/procurement-unpacked-below-threshold-contracts",
)
ACT_S32_33 = Source(
    ACT,
    "ss.32-33 (reserving contracts to supported employment providers and public service mutuals)",
    "https://legislation.gov.uk/ukpga/2023/54/part/3/chapter/2/crossheading/reserving-contracts-to-certain-suppliers/enacted/data.xht?view=snippet&wrap=true",
)
LGA_ORDER_2026 = Source(
    "Local Government (Exclusion of Non-commercial Considerations) (England) Order 2026",
    "SI 2026/94: lifts s.17(5)(e) LGA 1988 below threshold for UK or local-area reservations, "
    "from 4 February 2026",
    "https://www.brownejacobson.com/insights/local-authorities-now-permitted-to-reserve-below-threshold-procurements-to-local-or-uk-suppliers",
)
LGA_S17 = Source(
    "Local Government Act 1988",
    "s.17(5)(e) (a contractor's location is a non-commercial matter for supply and works "
    "contracts)",
    "https://www.anthonycollins.com/newsroom/ebriefings/ppn-1120-and-reserving-contracts-for-local-suppliers-a-sting-in-the-tail-for-local-authorities/",
)
WPPN_012 = Source(
    "WPPN 012: Reserving below threshold procurements for devolved Welsh authorities",
    "adopts PPN 005 for Welsh public bodies",
    "https://gov.wales/wppn-012-guidance-on-reserving-below-threshold-procurements-for-devolved-welsh-authorities-html",
)
FTS_NOTICE_TYPES = Source(
    "Find a Tender: notice types and sequences",
    "UK3 (10-day tendering after 40 days to 1 year), UK4 (25 days normal minimum)",
    "https://help.oxygen-finance.com/helphub/procurement-act-2023-notice-types",
)
PPN_005 = Source(
    "PPN 005: Reserving below threshold procurements (Cabinet Office, February 2025)",
    "reservation by supplier location and to SMEs and VCSEs below threshold",
    "https://gov.uk/government/publications/ppn-005-reserving-below-threshold-procurements/ppn-005-guide-to-reserving-below-threshold-html",
)
ACT_S50_51 = Source(
    ACT,
    "ss.50-51 (contract award notice, assessment summaries, 8 working-day standstill)",
    "https://gov.uk/government/publications/procurement-act-2023-guidance-documents-procure-phase/guidance-contract-award-notices-and-standstill-html",
)
ACT_S53 = Source(
    ACT,
    "s.53 and s.87(3) (contract details notice), Regulations 32-35",
    "https://www.procurementpathway.civilservice.gov.uk/documents/guidance/contract-details-notices-and-contract-documents/supplier-engagement",
)
ACT_S54 = Source(
    ACT,
    "s.54 (minimum participation and tendering periods)",
    "https://gov.uk/government/publications/procurement-act-2023-guidance-documents-procure-phase/time-periods-html",
)
ACT_S41_44 = Source(
    ACT,
    "ss.41-44 and Schedule 5 (direct award; transparency notice), Regulation 26",
    "https://gov.uk/government/publications/procurement-act-2023-guidance-documents-define-phase/direct-award-html",
)
ACT_S81_83 = Source(
    ACT,
    "ss.81-83 (conflicts of interest: duty to identify, conflicts assessment, mitigation)",
    "https://www.legislation.gov.uk/ukpga/2023/54/part/5",
)
ACT_S19_23 = Source(
    ACT,
    "s.19 (award to the most advantageous tender) and s.23 (award criteria)",
    "https://www.legislation.gov.uk/ukpga/2023/54/section/19",
)
