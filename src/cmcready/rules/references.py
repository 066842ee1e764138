"""The documents a finding may cite, by the titles of the contract's reference list."""

ICH_Q14 = "ICH Q14, Analytical Procedure Development (Step 4, 1 Nov 2023; FDA final guidance Mar 2024)"
ICH_Q2R2 = "ICH Q2(R2), Validation of Analytical Procedures (Step 4, 1 Nov 2023)"
CLSI_EP09 = "CLSI EP09 (EP09-A3, 2013; EP09c, 2018), Measurement Procedure Comparison and Bias Estimation Using Patient Samples"
ICH_Q5E = "ICH Q5E, Comparability of Biotechnological/Biological Products Subject to Changes in Their Manufacturing Process (2004), §2.4"
FDA_CGT_COMPARABILITY = ("FDA draft guidance, Manufacturing Changes and Comparability for Human Cellular and Gene "
                         "Therapy Products (July 2023; docket FDA-2023-D-2436)")
CFR_601_12 = "21 CFR 601.12, Changes to an approved application"
QUALITY_RANGE_PRACTICE = ("Quality range and 1.5 SD equivalence margins: biosimilar statistical practice "
                          "(Yang, Novick & Burdick, PDA J Pharm Sci Technol 2016), cited as practice, not a CGT requirement")
FDA_POTENCY_ASSURANCE = ("FDA draft guidance, Potency Assurance for Cellular and Gene Therapy Products "
                         "(Dec 2023; docket FDA-2023-D-4299)")
CFR_POTENCY = "21 CFR 600.3(s) (definition of potency), 21 CFR 610.10 (potency tests)"
ICH_Q6B = ("ICH Q6B, Specifications: Test Procedures and Acceptance Criteria for Biotechnological/Biological "
           "Products (1999), §4")
APPROVABLE_RANGE_PRACTICE = ("Practitioners' observation that regulators approve the range clinical lots covered "
                             "(a projection, not guidance text)")
CFR_PART11 = "21 CFR Part 11"
CART_FAILURE_CONTEXT = ("Context: manufacturing failure in pivotal trials of approved autologous CAR-T products "
                        "ranged from under 1% to about 7% (tisa-cel 7%, axi-cel 1%, brexu-cel 4%)")
