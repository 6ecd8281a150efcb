from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "oxtom.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from oxtom.customers import merge

        # Move, not keep: a duplicate record is the same person, and the survivor must
        # see and be able to refund what they paid. The payment's own audit trail keeps
        # which record it was taken against, so nothing about "what happened then" is lost.
        merge.register_move("payments.payment", "customer")
        # An agreement to pay with a saved card follows its payer to the surviving record, as payments do.
        merge.register_move("payments.paymentagreement", "customer")
