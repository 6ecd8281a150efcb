from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "provision"
    verbose_name = "Provision"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Provision", "/staff/provision/", permissions=(Permission.PROVISION_WORK,), order=70)

        from oxtom.customers import merge

        from .models import Supplier

        # A supplier is an organisation's customer record, extended: on a merge it follows the survivor,
        # unless the survivor is a supplier too (two supplier records with their own contracts and spend
        # are merged as suppliers, by the hub, not as a side effect of a customer merge).
        merge.register_move(Supplier, "customer", mover=_move_supplier)

        from oxtom.accounts.staff_home import register_staff_home_section

        from .home import my_contracts

        # Contract managers and approvers outside the hub find their contracts and signatures on the staff home.
        register_staff_home_section("provision/home_section.html", my_contracts)
        # Demo suppliers, contracts in their runway, an extension to approve and a year of spend.
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("provision suppliers, contracts and spend", order=60, run=demo.provision_step)

        # Spend on contract, off-contract spend, SME/VCSE/local shares, prompt payment and spend with the
        # suppliers located in each division, in the performance framework (Measure rows: migration 0007).
        from .measures import register as register_measures

        register_measures()

        from oxtom.cases.owners import register_case_answers

        from .case_answers import render_contract_review, render_many_contract_reviews

        # A contract review case shows the contract, the supplier's reviews and the category's other contracts.
        register_case_answers(render_contract_review, select_related="service", many=render_many_contract_reviews)


def _move_supplier(source, survivor) -> int:
    from django.core.exceptions import ValidationError

    from .models import Supplier

    if Supplier.objects.filter(customer=source, merged_into__isnull=False).exists():
        return 0  # a supplier merged into another (provision/merging.py) stays, as its alias, with the tombstone
    if Supplier.objects.filter(customer=survivor).exists() and Supplier.objects.filter(customer=source).exists():
        raise ValidationError("Both records are suppliers with their own contracts and spend: the provision hub "
                              "must merge the suppliers first")
    return Supplier.objects.filter(customer=source).update(customer=survivor)
