"""The account page (/account/): a person's language, links to the sign-in security pages allauth serves
(two-factor, recovery codes, password, e-mail addresses, sessions), the notification settings, their
memberships and their open invitations."""
